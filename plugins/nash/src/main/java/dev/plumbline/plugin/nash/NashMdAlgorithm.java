package dev.plumbline.plugin.nash;

import ai.djl.ndarray.NDArray;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.Metrics;
import dev.plumbline.spi.loss.Scalars;
import dev.plumbline.spi.loss.StableMath;
import dev.plumbline.spi.loss.TensorChecks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Nash Mirror Descent — TRL {@code trl/experimental/nash_md/nash_md_trainer.py::NashMDTrainer}
 * ({@code _compute_rewards}, {@code _compute_losses}, {@code _log_statistics}; defaults from
 * {@code NashMDConfig}).
 *
 * <pre>
 * p       = sigmoid(s(y) - s(y'))                 y ~ policy, y' ~ geometric mixture (Bradley-Terry)
 * score_i = (p_i - 1/2) * sum_t log pi(y_t)       REINFORCE with the 1/2 baseline
 * kl_i    = sum_t [log pi - log pi_ref]_detached * log pi     REINFORCE estimator of grad KL(pi || pi_ref)
 * loss    = mean_i( beta * kl_i - score_i )
 * </pre>
 *
 * The mixture sampler {@code log_softmax(mixture_coef * z_ref + (1 - mixture_coef) * z_pi)} (the
 * coefficient multiplies the <em>reference</em> logits, TRL #1853) is returned as
 * {@code mixture_log_probs} when both logits tensors are given, so a client can sample y' with it.
 */
public final class NashMdAlgorithm implements Algorithm {

    static final String BETA = "beta";
    static final String MIXTURE_COEF = "mixture_coef";

    static final String POLICY_LOGPS = "policy_logps";
    static final String REFERENCE_LOGPS = "reference_logps";
    static final String MASK = "mask";
    static final String MODEL_SCORES = "model_scores";
    static final String MIXTURE_SCORES = "mixture_scores";
    static final String POLICY_LOGITS = "policy_logits";
    static final String REFERENCE_LOGITS = "reference_logits";

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number(BETA, 0.1, 0.0, 1000.0,
                    "weight of the KL(pi || pi_ref) term (TRL NashMDConfig.beta for the current epoch)"),
            ParameterSpec.number(MIXTURE_COEF, 0.5, 0.0, 1.0,
                    "alpha of the geometric mixture pi^(1-alpha) pi_ref^alpha used to sample y'"));

    private static final List<TensorSpec> TENSORS = List.of(
            TensorSpec.input(POLICY_LOGPS, List.of("B", "T"),
                    "log pi(y_t|x, y_<t) of the policy sample's completion tokens (no temperature)"),
            TensorSpec.constant(REFERENCE_LOGPS, List.of("B", "T"),
                    "log pi_ref(y_t|x, y_<t) of the same tokens under the reference model"),
            TensorSpec.constant(MASK, List.of("B", "T"),
                    "1 on completion tokens up to EOS, 0 on padding (TRL zeroes padded log-probs); default all ones")
                    .optional(),
            TensorSpec.constant(MODEL_SCORES, List.of("B"),
                    "reward model score of the policy sample y (missing-EOS penalty applied)"),
            TensorSpec.constant(MIXTURE_SCORES, List.of("B"), "reward model score of the mixture sample y'"),
            TensorSpec.constant(POLICY_LOGITS, List.of("N", "V"),
                    "next-token logits of the policy at N decoding positions, for mixture_log_probs").optional(),
            TensorSpec.constant(REFERENCE_LOGITS, List.of("N", "V"),
                    "next-token logits of the reference model at the same positions").optional());

    @Override
    public String id() {
        return "nash-md";
    }

    @Override
    public String description() {
        return "Nash-MD: self-play against a geometric mixture of policy and reference, REINFORCE with KL";
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
        double mixtureCoef = input.parameters().number(MIXTURE_COEF);
        NDArray mask;
        if (input.has(MASK)) {
            TensorChecks.requireBinary(input, MASK);
            mask = input.tensor(MASK);
        } else {
            mask = input.tensor(POLICY_LOGPS).onesLike().stopGradient();
        }
        NDArray logps = input.tensor(POLICY_LOGPS).mul(mask);
        NDArray refLogps = input.tensor(REFERENCE_LOGPS).mul(mask);
        NDArray modelScores = input.tensor(MODEL_SCORES);
        NDArray mixtureScores = input.tensor(MIXTURE_SCORES);

        NDArray probability = StableMath.sigmoid(modelScores.sub(mixtureScores));
        NDArray sequenceLogps = logps.sum(new int[] {1});
        NDArray score = probability.sub(Scalars.of(probability, 0.5)).mul(sequenceLogps);
        NDArray klDivLoss = logps.sub(refLogps).stopGradient().mul(logps).sum(new int[] {1});
        NDArray loss = klDivLoss.mul(Scalars.of(klDivLoss, beta)).sub(score).mean();

        NDArray sequenceRefLogps = refLogps.sum(new int[] {1});
        NDArray margins = sequenceLogps.sub(sequenceRefLogps).stopGradient();
        Map<String, Double> metrics = Metrics.builder()
                .putMean("loss/score", score)
                .putMean("loss/kl", margins)
                .putMean("objective/entropy", sequenceLogps.neg())
                .putMean("rewards/probabilities", probability)
                .putMean(Metrics.REWARDS_CHOSEN, modelScores)
                .putMean(Metrics.REWARDS_REJECTED, mixtureScores)
                .putMean(Metrics.LOGPS_CHOSEN, sequenceLogps)
                // TRL logs the reference log-probs of the policy sample here, not of the mixture sample.
                .putMean(Metrics.LOGPS_REJECTED, sequenceRefLogps)
                .putMean(Metrics.REWARDS_MARGINS, margins)
                // A KL-sign metric in TRL, not a preference accuracy.
                .putMean(Metrics.REWARDS_ACCURACIES, margins.gt(0.0).toType(margins.getDataType(), false))
                .put("beta", beta)
                .put("mixture_coef", mixtureCoef)
                .build();

        Map<String, NDArray> outputs = new LinkedHashMap<>();
        outputs.put("probability", probability);
        outputs.put("score", score.stopGradient());
        outputs.put("kl_div_loss", klDivLoss.stopGradient());
        outputs.put("sequence_kl", margins);
        if (input.has(POLICY_LOGITS) != input.has(REFERENCE_LOGITS)) {
            String missing = input.has(POLICY_LOGITS) ? REFERENCE_LOGITS : POLICY_LOGITS;
            throw new InvalidInputException("tensors." + missing, "policy_logits and reference_logits go together");
        }
        if (input.has(POLICY_LOGITS)) {
            outputs.put("mixture_log_probs", geometricMixture(input.tensor(POLICY_LOGITS),
                    input.tensor(REFERENCE_LOGITS), mixtureCoef));
        }
        return new LossOutput(loss, metrics, outputs);
    }

    /** TRL {@code GeometricMixtureWrapper.forward}: {@code log_softmax(a z_ref + (1 - a) z_pi)} over the vocabulary. */
    static NDArray geometricMixture(NDArray policyLogits, NDArray referenceLogits, double mixtureCoef) {
        NDArray mixed = referenceLogits.mul(Scalars.of(referenceLogits, mixtureCoef))
                .add(policyLogits.mul(Scalars.of(policyLogits, 1.0 - mixtureCoef)));
        return StableMath.logSoftmax(mixed, 1);
    }
}
