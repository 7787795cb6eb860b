package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Map;

/**
 * The reward metrics every pairwise preference trainer in TRL logs (DPO, CPO/SimPO, ORPO, SPPO,
 * Online DPO): {@code rewards/chosen}, {@code rewards/rejected}, {@code rewards/accuracies}
 * (strict {@code >}: ties count 0, so step 0 of DPO logs 0, not 0.5) and {@code rewards/margins}.
 */
public final class PreferenceMetrics {

    private PreferenceMetrics() {
    }

    /**
     * @param chosenRewards implicit rewards of the chosen responses {@code [B]} (e.g. {@code beta * r_w})
     * @param rejectedRewards implicit rewards of the rejected responses {@code [B]}
     */
    public static Map<String, Double> rewards(NDArray chosenRewards, NDArray rejectedRewards) {
        NDArray c = chosenRewards.stopGradient().toType(DataType.FLOAT64, false);
        NDArray r = rejectedRewards.stopGradient().toType(DataType.FLOAT64, false);
        return Metrics.builder()
                .put(Metrics.REWARDS_CHOSEN, c.mean())
                .put(Metrics.REWARDS_REJECTED, r.mean())
                .put(Metrics.REWARDS_ACCURACIES, c.gt(r).toType(DataType.FLOAT64, false).mean())
                .put(Metrics.REWARDS_MARGINS, c.sub(r).mean())
                .build();
    }

    /** {@code logps/chosen} and {@code logps/rejected}: plain means of the given log-probs. */
    public static Map<String, Double> logps(NDArray chosenLogps, NDArray rejectedLogps) {
        return Metrics.builder()
                .putMean(Metrics.LOGPS_CHOSEN, chosenLogps.stopGradient())
                .putMean(Metrics.LOGPS_REJECTED, rejectedLogps.stopGradient())
                .build();
    }
}
