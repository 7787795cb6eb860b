package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.List;

/** How a framework clamps the per-token KL estimate (algorithms.md §1.4); TRL does not. */
public enum KlClamp {

    /** No clamping (TRL). */
    NONE("none"),
    /**
     * verl {@code core_algos.py::kl_penalty}: only k3 ("low_var_kl") is clamped, the log-ratio to
     * [-20, 20] before {@code exp} and the estimate to [-10, 10].
     */
    VERL("verl"),
    /** OpenRLHF {@code models/utils.py::compute_approx_kl}: every estimator clamped to [-10, 10]. */
    OPENRLHF("openrlhf");

    static final double VERL_LOG_RATIO_BOUND = 20.0;
    static final double ESTIMATE_BOUND = 10.0;

    private final String parameterValue;

    KlClamp(String parameterValue) {
        this.parameterValue = parameterValue;
    }

    public String parameterValue() {
        return parameterValue;
    }

    public static List<String> parameterValues() {
        return Arrays.stream(values()).map(KlClamp::parameterValue).toList();
    }

    public static KlClamp fromParameter(String value) {
        for (KlClamp c : values()) {
            if (c.parameterValue.equals(value)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown KL clamp " + value);
    }

    NDArray applyTo(KlEstimator estimator, NDArray kl) {
        return switch (this) {
            case NONE -> kl;
            case VERL -> estimator == KlEstimator.K3 ? kl.clip(-ESTIMATE_BOUND, ESTIMATE_BOUND) : kl;
            case OPENRLHF -> kl.clip(-ESTIMATE_BOUND, ESTIMATE_BOUND);
        };
    }
}
