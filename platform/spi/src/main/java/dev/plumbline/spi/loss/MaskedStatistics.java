package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;

/**
 * Sums, means, variances and whitening over the positions where a 0/1 mask is 1. Masks have the
 * shape of the values (or broadcast to it). Denominators are clamped to at least 1, as TRL's GRPO
 * does ({@code mask.sum().clamp(min=1.0)}); with at least one unmasked position this is exactly
 * the reference's {@code masked_mean}.
 */
public final class MaskedStatistics {

    private MaskedStatistics() {
    }

    /** {@code sum(x * mask)} over all elements (scalar). */
    public static NDArray sum(NDArray x, NDArray mask) {
        return x.mul(mask).sum();
    }

    /** {@code sum(x * mask)} along {@code axis}. */
    public static NDArray sum(NDArray x, NDArray mask, int axis, boolean keepDims) {
        return x.mul(mask).sum(new int[] {axis}, keepDims);
    }

    /** Number of unmasked positions (scalar). */
    public static NDArray count(NDArray mask) {
        return mask.sum();
    }

    /** {@code sum(x * mask) / max(sum(mask), 1)} over all elements (scalar). */
    public static NDArray mean(NDArray x, NDArray mask) {
        NDArray n = count(mask);
        return sum(x, mask).div(n.maximum(Scalars.of(n, 1.0)));
    }

    /** {@code sum(x * mask, axis) / max(sum(mask, axis), 1)}. */
    public static NDArray mean(NDArray x, NDArray mask, int axis, boolean keepDims) {
        NDArray n = mask.sum(new int[] {axis}, keepDims);
        return sum(x, mask, axis, keepDims).div(n.maximum(Scalars.of(n, 1.0)));
    }

    /**
     * Variance over unmasked positions: {@code sum((x - mean)^2 * mask) / n}, times {@code n/(n-1)}
     * when {@code unbiased} (Bessel; TRL/verl {@code masked_var}). The caller makes sure
     * {@code n >= 2} for the unbiased form (TRL raises otherwise).
     */
    public static NDArray variance(NDArray x, NDArray mask, boolean unbiased) {
        NDArray n = count(mask);
        NDArray one = Scalars.of(n, 1.0);
        NDArray centered = x.sub(mean(x, mask));
        NDArray biased = sum(centered.square(), mask).div(n.maximum(one));
        return unbiased ? biased.mul(n).div(n.sub(one)) : biased;
    }

    /**
     * {@code (x - mean) / sqrt(var + eps)} over the unmasked positions (TRL {@code masked_whiten},
     * verl {@code masked_whiten}), or OpenRLHF's {@code (x - mean) * rsqrt(max(var, eps))} with the
     * biased variance. Without {@code shiftMean} the mean is added back (TRL {@code whiten_rewards}).
     * Masked positions are whitened too; callers zero them if the reference does.
     */
    public static NDArray whiten(NDArray x, NDArray mask, WhiteningVariance variance, boolean shiftMean,
            double epsilon) {
        NDArray mu = mean(x, mask);
        NDArray scale = switch (variance) {
            case UNBIASED_PLUS_EPSILON -> variance(x, mask, true).add(Scalars.of(x, epsilon)).sqrt();
            case BIASED_CLAMPED -> variance(x, mask, false).maximum(Scalars.of(x, epsilon)).sqrt();
        };
        NDArray whitened = x.sub(mu).div(scale);
        return shiftMean ? whitened : whitened.add(mu);
    }

    /** The variance and epsilon rule of a whitening. */
    public enum WhiteningVariance {
        /** TRL / verl: Bessel-corrected variance, {@code rsqrt(var + eps)}. */
        UNBIASED_PLUS_EPSILON,
        /** OpenRLHF global advantage whitening: biased variance (÷N), {@code rsqrt(max(var, eps))}. */
        BIASED_CLAMPED
    }
}
