package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import java.util.Arrays;
import java.util.List;

/**
 * The PPO clipped surrogate: {@code L = max(-A * r, -A * clip(r, 1 - eps_low, 1 + eps_high))} with
 * {@code r = exp(log_ratio)} — equal to TRL GRPO's {@code -min(r*A, clip(r)*A)}. Optional pieces:
 * asymmetric clipping (DAPO "clip-higher"), INTELLECT-2's upper cap {@code delta} on the unclipped
 * ratio, verl's dual clip for negative advantages, and a log-ratio clamp before {@code exp}
 * (verl/OpenRLHF clamp to ±20; TRL does not clamp).
 */
public final class ClippedPolicyLoss {

    private ClippedPolicyLoss() {
    }

    /** Where the importance ratio is formed (TRL {@code importance_sampling_level}). */
    public enum ImportanceSampling {
        /** One ratio per token (PPO, GRPO default). */
        TOKEN("token"),
        /**
         * GSPO: one ratio per sequence from the length-normalised log-ratio
         * {@code sum_t (logp - old) m / max(sum_t m, 1)}, shape {@code [B, 1]}.
         */
        SEQUENCE("sequence");

        private final String parameterValue;

        ImportanceSampling(String parameterValue) {
            this.parameterValue = parameterValue;
        }

        public String parameterValue() {
            return parameterValue;
        }

        public static List<String> parameterValues() {
            return Arrays.stream(values()).map(ImportanceSampling::parameterValue).toList();
        }

        public static ImportanceSampling fromParameter(String value) {
            for (ImportanceSampling s : values()) {
                if (s.parameterValue.equals(value)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown importance_sampling_level " + value);
        }

        /** The log importance weights: {@code [B, T]} for TOKEN, {@code [B, 1]} for SEQUENCE. */
        public NDArray logWeights(NDArray logp, NDArray oldLogp, NDArray mask) {
            NDArray logRatio = logp.sub(oldLogp);
            return this == TOKEN ? logRatio : MaskedStatistics.mean(logRatio, mask, 1, true);
        }
    }

    /**
     * @param epsilonLow lower clip {@code 1 - epsilonLow}
     * @param epsilonHigh upper clip {@code 1 + epsilonHigh}
     * @param delta if {@code > 0}, the unclipped ratio is capped at {@code delta} (INTELLECT-2)
     * @param dualClip if {@code > 1}, verl's dual clip: for {@code A < 0} the loss is at most
     *     {@code -A * dualClip}; {@code 0} disables it
     * @param logRatioClamp if {@code > 0}, the log-ratio is clamped to {@code ±logRatioClamp}
     *     before {@code exp} (verl/OpenRLHF use 20); {@code 0} disables it (TRL)
     */
    public record Clip(double epsilonLow, double epsilonHigh, double delta, double dualClip, double logRatioClamp) {

        /** Symmetric PPO clipping, nothing else. */
        public static Clip symmetric(double epsilon) {
            return new Clip(epsilon, epsilon, 0, 0, 0);
        }
    }

    /**
     * @param loss per-position loss, broadcast of the log-ratio and advantage shapes
     * @param ratio {@code exp(log_ratio)}
     * @param lowClipped 1 where {@code r < 1 - eps_low} and {@code A < 0} (TRL {@code is_low_clipped})
     * @param highClipped 1 where {@code r > 1 + eps_high} and {@code A > 0} (TRL {@code is_high_clipped})
     * @param clipActive 1 where the clipped term is strictly larger (TRL PPO {@code pg_losses2 > pg_losses},
     *     verl {@code pg_clipfrac})
     */
    public record Result(NDArray loss, NDArray ratio, NDArray lowClipped, NDArray highClipped, NDArray clipActive) {
    }

    /**
     * @param logRatio {@code log pi - log pi_old}, {@code [B, T]} or {@code [B, 1]} or {@code [B]}
     * @param advantages broadcastable to {@code logRatio} (constants)
     */
    public static Result compute(NDArray logRatio, NDArray advantages, Clip clip) {
        NDArray lr = clip.logRatioClamp() > 0 ? logRatio.clip(-clip.logRatioClamp(), clip.logRatioClamp()) : logRatio;
        NDArray ratio = lr.exp();
        NDArray clipped = ratio.clip(1.0 - clip.epsilonLow(), 1.0 + clip.epsilonHigh());
        // TRL: torch.clamp(coef_1, max=delta) on the unclipped term only; gradient 1 up to and at delta.
        NDArray unclipped = clip.delta() > 0
                ? NDArrays.where(ratio.gt(clip.delta()), StableMath.constantLike(ratio, clip.delta()), ratio)
                : ratio;
        NDArray negA = advantages.neg();
        NDArray lossUnclipped = negA.mul(unclipped);
        NDArray lossClipped = negA.mul(clipped);
        NDArray loss = lossUnclipped.maximum(lossClipped);
        if (clip.dualClip() > 1.0) {
            NDArray bound = negA.mul(Scalars.of(negA, clip.dualClip()));
            loss = NDArrays.where(advantages.lt(0.0).broadcast(loss.getShape()), loss.minimum(bound), loss);
        }
        NDArray a = advantages.broadcast(loss.getShape());
        NDArray r = ratio.broadcast(loss.getShape());
        NDArray low = r.lt(1.0 - clip.epsilonLow()).logicalAnd(a.lt(0.0)).toType(loss.getDataType(), false);
        NDArray high = r.gt(1.0 + clip.epsilonHigh()).logicalAnd(a.gt(0.0)).toType(loss.getDataType(), false);
        NDArray active = lossClipped.gt(lossUnclipped).toType(loss.getDataType(), false);
        return new Result(loss, ratio, low, high, active);
    }
}
