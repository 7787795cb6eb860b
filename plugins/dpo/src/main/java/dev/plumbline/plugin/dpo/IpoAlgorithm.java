package dev.plumbline.plugin.dpo;

import ai.djl.ndarray.NDArray;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.Metrics;
import dev.plumbline.spi.loss.PreferenceMetrics;
import dev.plumbline.spi.loss.Scalars;
import java.util.List;
import java.util.Map;

/**
 * Identity Preference Optimisation: regress the log-ratio margin onto {@code 1/(2 beta)} (beta plays
 * the role of IPO's tau).
 *
 * <pre>
 * length_normalized = true  (TRL DPOTrainer loss_type="ipo", confirmed with the IPO authors, PR #1265):
 *     loss = mean( (r_w/|y_w| - r_l/|y_l| - 1/(2 beta))^2 )
 * length_normalized = false (OpenRLHF DPOLoss(ipo=True), TRL OnlineDPO):
 *     loss = mean( (r_w - r_l - 1/(2 beta))^2 )
 * </pre>
 *
 * With summed log-ratios the target {@code 1/(2 beta)} is length-dependent (algorithms.md §13).
 */
public final class IpoAlgorithm implements Algorithm {

    static final String BETA = "beta";
    static final String LENGTH_NORMALIZED = "length_normalized";

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number(BETA, 0.1, 1e-6, 1000.0,
                    "beta (> 0), IPO's tau: the regression target of the log-ratio margin is 1/(2 beta)"),
            ParameterSpec.bool(LENGTH_NORMALIZED, true,
                    "divide each log-ratio by its completion length (TRL, needs chosen_lengths/rejected_lengths);"
                            + " false uses summed log-ratios as OpenRLHF and TRL OnlineDPO do"));

    @Override
    public String id() {
        return "ipo";
    }

    @Override
    public String description() {
        return "Identity Preference Optimisation: squared loss of the log-ratio margin against 1/(2 beta)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    @Override
    public List<TensorSpec> tensors() {
        return PairedLogps.SPECS;
    }

    @Override
    public LossOutput loss(LossInput input) {
        double beta = input.parameters().number(BETA);
        boolean normalized = input.parameters().bool(LENGTH_NORMALIZED);
        PairedLogps batch = PairedLogps.read(input, normalized ? LENGTH_NORMALIZED + "=true" : null);
        NDArray chosen = batch.chosenLogRatios();
        NDArray rejected = batch.rejectedLogRatios();
        NDArray margin = normalized
                ? chosen.div(batch.chosenLengths()).sub(rejected.div(batch.rejectedLengths()))
                : chosen.sub(rejected);
        NDArray perPair = margin.sub(Scalars.of(margin, 1.0 / (2.0 * beta))).square();

        NDArray b = Scalars.of(chosen, beta);
        NDArray chosenRewards = chosen.mul(b);
        NDArray rejectedRewards = rejected.mul(b);
        Map<String, Double> metrics = Metrics.builder()
                .putAll(PreferenceMetrics.rewards(chosenRewards, rejectedRewards))
                .putAll(PreferenceMetrics.logps(batch.policyChosen(), batch.policyRejected()))
                .build();
        return new LossOutput(perPair.mean(), metrics, Map.of(
                "per_pair_loss", perPair,
                "chosen_rewards", chosenRewards.stopGradient(),
                "rejected_rewards", rejectedRewards.stopGradient()));
    }
}
