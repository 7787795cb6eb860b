package dev.plumbline.plugin.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.Metrics;
import dev.plumbline.spi.loss.PreferenceMetrics;
import dev.plumbline.spi.loss.Scalars;
import dev.plumbline.spi.loss.StableMath;
import java.util.List;
import java.util.Map;

/**
 * Online DPO — TRL {@code trl/experimental/online_dpo/online_dpo_trainer.py::training_step}: two
 * completions per prompt sampled from the current policy, the higher-reward one is chosen (a tie
 * goes to the first), then the DPO sigmoid or IPO loss on <em>summed</em> log-probs (no length
 * normalisation, also for ipo).
 *
 * <p>Tensors are {@code [2, B]}: row 0 holds the first completion of each prompt, row 1 the second
 * (flattened row-major this is TRL's {@code [p0c0, p1c0, ..., p0c1, p1c1, ...]}).
 */
public final class OnlineDpoAlgorithm implements Algorithm {

    static final String BETA = "beta";
    static final String LOSS_TYPE = "loss_type";
    static final String REWARDS = "rewards";
    static final String POLICY_LOGPS = "policy_logps";
    static final String REFERENCE_LOGPS = "reference_logps";

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number(BETA, 0.1, 1e-6, 1000.0,
                    "beta (> 0) of the DPO/IPO loss (TRL OnlineDPOConfig.beta for the current epoch)"),
            ParameterSpec.choice(LOSS_TYPE, "sigmoid", List.of("sigmoid", "ipo"),
                    "sigmoid: -log sigmoid(beta * logits); ipo: (logits - 1/(2 beta))^2 on summed log-probs"));

    private static final List<TensorSpec> TENSORS = List.of(
            TensorSpec.constant(REWARDS, List.of("2", "B"),
                    "reward of each completion (reward model/functions, missing-EOS penalty already applied);"
                            + " row 0 = first completion of each prompt, row 1 = second"),
            TensorSpec.input(POLICY_LOGPS, List.of("2", "B"),
                    "log pi(y|x) of each completion under the policy, summed over completion tokens (no temperature)"),
            TensorSpec.constant(REFERENCE_LOGPS, List.of("2", "B"),
                    "log pi_ref(y|x) of each completion under the reference model, summed over completion tokens"));

    @Override
    public String id() {
        return "online-dpo";
    }

    @Override
    public String description() {
        return "Online DPO: DPO/IPO on pairs of on-policy completions ranked by a reward";
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
        NDArray rewards = input.tensor(REWARDS);
        NDArray logps = input.tensor(POLICY_LOGPS);
        NDArray refLogps = input.tensor(REFERENCE_LOGPS);
        long prompts = rewards.getShape().get(1);

        // TRL: mask = first >= second; ties go to the first completion.
        NDArray firstWins = rewards.get(0).gte(rewards.get(1));
        NDArray chosenLogps = NDArrays.where(firstWins, logps.get(0), logps.get(1));
        NDArray rejectedLogps = NDArrays.where(firstWins, logps.get(1), logps.get(0));
        NDArray chosenRef = NDArrays.where(firstWins, refLogps.get(0), refLogps.get(1));
        NDArray rejectedRef = NDArrays.where(firstWins, refLogps.get(1), refLogps.get(0));
        NDArray chosenRewardScores = NDArrays.where(firstWins, rewards.get(0), rewards.get(1));
        NDArray rejectedRewardScores = NDArrays.where(firstWins, rewards.get(1), rewards.get(0));

        NDArray chosenLogRatios = chosenLogps.sub(chosenRef);
        NDArray rejectedLogRatios = rejectedLogps.sub(rejectedRef);
        NDArray logits = chosenLogRatios.sub(rejectedLogRatios);
        NDArray b = Scalars.of(logits, beta);
        NDArray perPair = input.parameters().string(LOSS_TYPE).equals("ipo")
                ? logits.sub(Scalars.of(logits, 1.0 / (2.0 * beta))).square()
                : StableMath.logSigmoid(logits.mul(b)).neg();

        // Flat row-major indices into [2, B], TRL's i + (!mask) * B and i + mask * B.
        NDArray index = input.manager().arange(0, (int) prompts, 1, DataType.FLOAT64).toType(logits.getDataType(), false);
        NDArray firstWinsNumeric = firstWins.toType(logits.getDataType(), false);
        NDArray rowLength = Scalars.of(index, prompts);
        NDArray chosenIndex = index.add(firstWinsNumeric.neg().add(Scalars.of(index, 1.0)).mul(rowLength));
        NDArray rejectedIndex = index.add(firstWinsNumeric.mul(rowLength));

        Map<String, Double> metrics = Metrics.builder()
                .putMean("objective/scores", rewards)
                .putMean("objective/scores_margin", chosenRewardScores.sub(rejectedRewardScores))
                .putAll(PreferenceMetrics.logps(chosenLogps, rejectedLogps))
                .putAll(PreferenceMetrics.rewards(chosenLogRatios.mul(b), rejectedLogRatios.mul(b)))
                .put("beta", beta)
                .build();
        return new LossOutput(perPair.mean(), metrics, Map.of(
                "per_pair_loss", perPair,
                "logits", logits.stopGradient(),
                "chosen_index", chosenIndex,
                "rejected_index", rejectedIndex));
    }
}
