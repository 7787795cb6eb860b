package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.List;

/**
 * Schulman's per-token estimators of {@code KL(pi || pi_ref)} from log-probabilities of the sampled
 * token, with {@code delta = logp - ref_logp} (algorithms.md §1.4).
 */
public enum KlEstimator {

    /** {@code delta}; unbiased, can be negative. TRL PPO default, TRL RLOO (in the reward), verl "kl". */
    K1("k1"),
    /** {@code delta^2 / 2}; verl "mse", OpenRLHF "k2". */
    K2("k2"),
    /** {@code exp(-delta) + delta - 1 >= 0}; TRL GRPO (always), verl "low_var_kl", OpenRLHF "k3". */
    K3("k3"),
    /** {@code |delta|}; verl "abs". */
    ABS("abs");

    private final String parameterValue;

    KlEstimator(String parameterValue) {
        this.parameterValue = parameterValue;
    }

    /** The name used in plugin parameters ({@code k1}, {@code k2}, {@code k3}, {@code abs}). */
    public String parameterValue() {
        return parameterValue;
    }

    public static List<String> parameterValues() {
        return Arrays.stream(values()).map(KlEstimator::parameterValue).toList();
    }

    public static KlEstimator fromParameter(String value) {
        for (KlEstimator e : values()) {
            if (e.parameterValue.equals(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown KL estimator " + value);
    }

    /** The unclamped estimate (TRL), elementwise. */
    public NDArray estimate(NDArray logp, NDArray refLogp) {
        return estimate(logp, refLogp, KlClamp.NONE);
    }

    /** The estimate with a framework's clamping rule applied, elementwise. */
    public NDArray estimate(NDArray logp, NDArray refLogp, KlClamp clamp) {
        NDArray delta = logp.sub(refLogp);
        NDArray kl = switch (this) {
            case K1 -> delta;
            case K2 -> delta.square().mul(Scalars.of(delta, 0.5));
            case K3 -> {
                // Written as exp(r) - r - 1 with r = ref - logp, as TRL/verl/OpenRLHF do.
                NDArray r = delta.neg();
                if (clamp == KlClamp.VERL) {
                    r = r.clip(-KlClamp.VERL_LOG_RATIO_BOUND, KlClamp.VERL_LOG_RATIO_BOUND);
                }
                yield r.exp().sub(r).sub(Scalars.of(r, 1.0));
            }
            case ABS -> delta.abs();
        };
        return clamp.applyTo(this, kl);
    }
}
