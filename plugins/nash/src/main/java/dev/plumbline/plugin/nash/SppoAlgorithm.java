package dev.plumbline.plugin.nash;

import ai.djl.ndarray.NDArray;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.Metrics;
import dev.plumbline.spi.loss.PreferenceMetrics;
import dev.plumbline.spi.loss.Scalars;
import dev.plumbline.spi.loss.StableMath;
import dev.plumbline.spi.loss.TensorChecks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Self-Play Preference Optimization — uclaml/SPPO {@code sppo/trainer.py::SPPOTrainer.sppo_loss}, with
 * the win probabilities of {@code scripts/compute_prob.py::prepare_score}. The reference is the
 * policy the iteration started from; log-probs are summed over completion tokens; {@code eta = 1/beta}.
 *
 * <pre>
 * P[i][j] = sigmoid(s_i - s_j) over the K PairRM scores of one prompt (P[i][i] = 1/2)
 * w = argmax s, l = argmin s;  chosen_probs = P[w][l], chosen_probs_win = mean_j P[w][j], chosen_probs_lose = mean_j P[l][j]
 * a = log pi(y_w) - log pi_ref(y_w),  b = log pi(y_l) - log pi_ref(y_l)
 * sppo:        L = 1/2 [ (a - eta (chosen_probs_win - 1/2))^2 + (b - eta (chosen_probs_lose - 1/2))^2 ]
 * sppo_single: L = 1/2 [ (a - eta (chosen_probs - 1/2))^2     + (b + eta (chosen_probs - 1/2))^2 ]
 * loss = mean over pairs
 * </pre>
 *
 * With the authors' beta = 0.001 (eta = 1000) losses of 10^4-10^5 are expected (they use RMSprop, lr 5e-7).
 */
public final class SppoAlgorithm implements Algorithm {

    static final String BETA = "beta";
    static final String LOSS_TYPE = "loss_type";

    static final String POLICY_CHOSEN = "policy_chosen_logps";
    static final String POLICY_REJECTED = "policy_rejected_logps";
    static final String REFERENCE_CHOSEN = "reference_chosen_logps";
    static final String REFERENCE_REJECTED = "reference_rejected_logps";
    static final String RESPONSE_SCORES = "response_scores";
    static final String CHOSEN_PROBS = "chosen_probs";
    static final String CHOSEN_PROBS_WIN = "chosen_probs_win";
    static final String CHOSEN_PROBS_LOSE = "chosen_probs_lose";

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number(BETA, 0.001, 1e-6, 1000.0,
                    "beta (> 0); eta = 1/beta scales the win-probability targets (authors' pipeline: 0.001)"),
            ParameterSpec.choice(LOSS_TYPE, "sppo", List.of("sppo", "sppo_single"),
                    "sppo: targets from the estimated win rates of chosen and rejected against the policy;"
                            + " sppo_single: from the single pairwise probability P[w][l]"));

    private static final List<TensorSpec> TENSORS = List.of(
            TensorSpec.input(POLICY_CHOSEN, List.of("B"),
                    "log pi(y_w|x) of the chosen (highest-scored) response, summed over completion tokens"),
            TensorSpec.input(POLICY_REJECTED, List.of("B"),
                    "log pi(y_l|x) of the rejected (lowest-scored) response, summed over completion tokens"),
            TensorSpec.constant(REFERENCE_CHOSEN, List.of("B"),
                    "log pi_t(y_w|x) under the policy this iteration started from"),
            TensorSpec.constant(REFERENCE_REJECTED, List.of("B"),
                    "log pi_t(y_l|x) under the policy this iteration started from"),
            TensorSpec.constant(RESPONSE_SCORES, List.of("B", "K"),
                    "PairRM scores of the K sampled responses of each prompt; chosen = argmax, rejected = argmin"
                            + " (first on ties); give this or the precomputed probabilities").optional(),
            TensorSpec.constant(CHOSEN_PROBS, List.of("B"), "precomputed P[w][l] in [0, 1] (sppo_single)").optional(),
            TensorSpec.constant(CHOSEN_PROBS_WIN, List.of("B"),
                    "precomputed mean_j P[w][j] in [0, 1] (sppo)").optional(),
            TensorSpec.constant(CHOSEN_PROBS_LOSE, List.of("B"),
                    "precomputed mean_j P[l][j] in [0, 1] (sppo)").optional());

    @Override
    public String id() {
        return "sppo";
    }

    @Override
    public String description() {
        return "Self-Play Preference Optimization: regress log-ratios onto scaled win probabilities";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    @Override
    public List<TensorSpec> tensors() {
        return TENSORS;
    }

    @Override
    public LossOutput loss(LossInput input) {
        double beta = input.parameters().number(BETA);
        double eta = 1.0 / beta;
        boolean single = input.parameters().string(LOSS_TYPE).equals("sppo_single");
        Map<String, NDArray> outputs = new LinkedHashMap<>();
        NDArray probs;
        NDArray probsWin;
        NDArray probsLose;
        if (input.has(RESPONSE_SCORES)) {
            for (String name : List.of(CHOSEN_PROBS, CHOSEN_PROBS_WIN, CHOSEN_PROBS_LOSE)) {
                if (input.has(name)) {
                    throw new InvalidInputException("tensors." + name, "give either response_scores or the"
                            + " precomputed probabilities, not both");
                }
            }
            NDArray scores = input.tensor(RESPONSE_SCORES);
            NDArray best = scores.max(new int[] {1}, true);
            NDArray worst = scores.min(new int[] {1}, true);
            // Row w of P is sigmoid(s_w - s_j); the self term sigmoid(0) = 1/2 is included in the mean.
            probsWin = StableMath.sigmoid(best.sub(scores)).mean(new int[] {1});
            probsLose = StableMath.sigmoid(worst.sub(scores)).mean(new int[] {1});
            probs = StableMath.sigmoid(best.sub(worst)).squeeze(1);
            outputs.put("chosen_index", scores.argMax(1).toType(scores.getDataType(), false));
            outputs.put("rejected_index", scores.argMin(1).toType(scores.getDataType(), false));
        } else {
            List<String> needed = single ? List.of(CHOSEN_PROBS) : List.of(CHOSEN_PROBS_WIN, CHOSEN_PROBS_LOSE);
            for (String name : needed) {
                if (!input.has(name)) {
                    throw new InvalidInputException("tensors." + name, "required for loss_type="
                            + input.parameters().string(LOSS_TYPE) + " unless response_scores is given");
                }
                TensorChecks.requireAtLeast(input, name, 0.0, "a probability");
                TensorChecks.requireBelow(input, name, 1.0 + 1e-12, "a probability");
            }
            NDArray any = input.tensor(POLICY_CHOSEN).stopGradient();
            probs = input.optional(CHOSEN_PROBS).orElse(any.zerosLike());
            probsWin = input.optional(CHOSEN_PROBS_WIN).orElse(any.zerosLike());
            probsLose = input.optional(CHOSEN_PROBS_LOSE).orElse(any.zerosLike());
        }

        NDArray a = input.tensor(POLICY_CHOSEN).sub(input.tensor(REFERENCE_CHOSEN));
        NDArray b = input.tensor(POLICY_REJECTED).sub(input.tensor(REFERENCE_REJECTED));
        NDArray half = Scalars.of(a, 0.5);
        NDArray step = Scalars.of(a, eta);
        NDArray perPair;
        if (single) {
            NDArray target = probs.sub(half).mul(step);
            perPair = a.sub(target).square().add(b.add(target).square()).mul(half);
        } else {
            perPair = a.sub(probsWin.sub(half).mul(step)).square()
                    .add(b.sub(probsLose.sub(half).mul(step)).square()).mul(half);
        }

        Map<String, Double> metrics = Metrics.builder()
                .putAll(PreferenceMetrics.rewards(a.mul(Scalars.of(a, beta)), b.mul(Scalars.of(b, beta))))
                .putAll(PreferenceMetrics.logps(input.tensor(POLICY_CHOSEN), input.tensor(POLICY_REJECTED)))
                .build();
        outputs.put("per_pair_loss", perPair);
        outputs.put("chosen_logratios", a.stopGradient());
        outputs.put("rejected_logratios", b.stopGradient());
        outputs.put("chosen_probs", probs.toType(perPair.getDataType(), false));
        outputs.put("chosen_probs_win", probsWin.toType(perPair.getDataType(), false));
        outputs.put("chosen_probs_lose", probsLose.toType(perPair.getDataType(), false));
        return new LossOutput(perPair.mean(), metrics, outputs);
    }

}
