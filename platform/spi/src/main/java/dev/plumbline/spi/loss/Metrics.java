package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metric keys as the reference trainers log them (TRL keys verbatim, without the {@code eval_}
 * prefix) and a builder that reads scalar {@link NDArray}s into doubles. Metrics never carry
 * gradients; reading one does not touch the autograd graph.
 */
public final class Metrics {

    // Preference losses (DPO, IPO, KTO, ORPO, CPO/SimPO, SPPO, Online DPO).
    public static final String REWARDS_CHOSEN = "rewards/chosen";
    public static final String REWARDS_REJECTED = "rewards/rejected";
    public static final String REWARDS_ACCURACIES = "rewards/accuracies";
    public static final String REWARDS_MARGINS = "rewards/margins";
    public static final String LOGPS_CHOSEN = "logps/chosen";
    public static final String LOGPS_REJECTED = "logps/rejected";
    public static final String NLL_LOSS = "nll_loss";
    public static final String KL = "kl";
    public static final String ENTROPY = "entropy";

    // Online RL (GRPO, RLOO).
    public static final String REWARD = "reward";
    public static final String REWARD_STD = "reward_std";
    public static final String FRAC_REWARD_ZERO_STD = "frac_reward_zero_std";
    public static final String CLIP_RATIO_LOW_MEAN = "clip_ratio/low_mean";
    public static final String CLIP_RATIO_LOW_MIN = "clip_ratio/low_min";
    public static final String CLIP_RATIO_HIGH_MEAN = "clip_ratio/high_mean";
    public static final String CLIP_RATIO_HIGH_MAX = "clip_ratio/high_max";
    public static final String CLIP_RATIO_REGION_MEAN = "clip_ratio/region_mean";

    private Metrics() {
    }

    /** The value of a one-element array as a double, whatever its data type. */
    public static double scalar(NDArray array) {
        if (array.size() != 1) {
            throw new IllegalArgumentException("metric must be a scalar, got shape " + array.getShape());
        }
        NDArray detached = array.stopGradient();
        return detached.getDataType() == DataType.FLOAT64
                ? detached.toDoubleArray()[0]
                : detached.toType(DataType.FLOAT64, false).toDoubleArray()[0];
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects metrics in insertion order. */
    public static final class Builder {

        private final Map<String, Double> values = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder put(String key, double value) {
            values.put(key, value);
            return this;
        }

        /** Puts the value of a scalar array. */
        public Builder put(String key, NDArray scalar) {
            return put(key, scalar(scalar));
        }

        /** Puts the plain mean of all elements of {@code array}. */
        public Builder putMean(String key, NDArray array) {
            return put(key, scalar(array.toType(DataType.FLOAT64, false).mean()));
        }

        public Builder putAll(Map<String, Double> more) {
            values.putAll(more);
            return this;
        }

        public Map<String, Double> build() {
            return new LinkedHashMap<>(values);
        }
    }
}
