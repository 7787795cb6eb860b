package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

/**
 * Numerically stable elementwise functions on {@link NDArray}s, written with plain DJL operations
 * so autograd differentiates them. DJL's API has no {@code log1p}/{@code expm1}/{@code logsigmoid},
 * and the naive forms ({@code log(1 + x)}, {@code log(sigmoid(x))}) underflow or overflow exactly
 * where preference losses live (large |log-ratios|, log-probs near 0).
 *
 * <p>Every branch selected with {@code where} is computed on inputs that keep the <em>other</em>
 * branch finite too: PyTorch's {@code where} backward multiplies the unselected branch's gradient
 * by 0, and {@code 0 * inf} would still poison the result with NaN.
 *
 * <p>All functions keep the input's data type (float32 or float64): constants are 0-d arrays of the
 * input's type ({@link Scalars#of}), never Java numbers, which DJL would wrap in a tensor that
 * autograd may read after it has been freed.
 */
public final class StableMath {

    /** {@code ln 2}: the switch point of the two-branch {@link #log1mexp}. */
    public static final double LN2 = 0.6931471805599453;

    /** Below this, {@code expm1(x) = -1} to within 4.3e-18 (and {@code exp} stays far from underflow). */
    private static final double EXPM1_FLOOR = -40.0;

    private StableMath() {
    }

    /** An array shaped and typed like {@code like}, filled with {@code value} (in its data type). */
    public static NDArray constantLike(NDArray like, double value) {
        return like.zerosLike().add(Scalars.of(like, value));
    }

    /**
     * {@code log(1 + x)} for {@code x > -1}, accurate for tiny {@code x} (Kahan's trick:
     * {@code log(u) * x / (u - 1)} with {@code u = 1 + x} cancels the rounding of {@code u}).
     */
    public static NDArray log1p(NDArray x) {
        NDArray one = Scalars.of(x, 1.0);
        NDArray u = x.add(one);
        NDArray d = u.sub(one);
        NDArray exact = d.eq(0.0);
        // d == 0 means 1 + x rounded to 1, where log1p(x) = x to full precision.
        NDArray safeD = NDArrays.where(exact, x.onesLike(), d);
        NDArray corrected = u.log().mul(x).div(safeD);
        return NDArrays.where(exact, x, corrected);
    }

    /**
     * {@code exp(x) - 1}, accurate near 0 (Kahan: {@code (u - 1) * x / log(u)} with {@code u = exp(x)}).
     * Inputs below -40 return exactly -1 (the true value differs by less than 4.3e-18) with zero
     * gradient; intended for {@code x <= 700} (above, {@code exp} overflows anyway).
     */
    public static NDArray expm1(NDArray x) {
        NDArray xs = x.maximum(Scalars.of(x, EXPM1_FLOOR));
        NDArray u = xs.exp();
        NDArray logU = u.log();
        NDArray exact = logU.eq(0.0);
        NDArray safeLogU = NDArrays.where(exact, x.onesLike(), logU);
        NDArray corrected = u.sub(Scalars.of(u, 1.0)).mul(xs).div(safeLogU);
        // u rounded to 1: expm1(x) = x to full precision.
        return NDArrays.where(exact, xs, corrected);
    }

    /**
     * {@code log(sigmoid(x))} = {@code min(x, 0) - log1p(exp(-|x|))}, the form of torch's
     * {@code F.logsigmoid}. Written with {@code where} so the gradient at {@code x = 0} is exactly
     * {@code 1/2} (DPO's first step has a log-ratio difference of exactly 0).
     */
    public static NDArray logSigmoid(NDArray x) {
        NDArray nonNegative = x.gte(0.0);
        NDArray negAbs = NDArrays.where(nonNegative, x.neg(), x);
        NDArray tail = log1p(negAbs.exp());
        return NDArrays.where(nonNegative, tail.neg(), x.sub(tail));
    }

    /** {@code sigmoid(x) = exp(logSigmoid(x))}; never overflows. */
    public static NDArray sigmoid(NDArray x) {
        return logSigmoid(x).exp();
    }

    /** {@code softplus(x) = log(1 + exp(x)) = -logSigmoid(-x)}. */
    public static NDArray softplus(NDArray x) {
        return logSigmoid(x.neg()).neg();
    }

    /** {@code max(x, 0)} with torch's {@code relu} gradient (0 at {@code x = 0}). */
    public static NDArray relu(NDArray x) {
        return NDArrays.where(x.gt(0.0), x, x.zerosLike());
    }

    /**
     * {@code log(1 - exp(x))} for {@code x < 0}, two-branch stable form used by TRL's ORPO
     * ({@code orpo_trainer.py::log1mexp}): {@code log1p(-exp(x))} below {@code -ln 2},
     * {@code log(-expm1(x))} above. {@code x = 0} gives {@code -inf} (the odds of a certain event).
     */
    public static NDArray log1mexp(NDArray x) {
        NDArray farFromZero = x.lt(-LN2);
        NDArray switchPoint = Scalars.of(x, -LN2);
        NDArray low = x.minimum(switchPoint);
        NDArray high = x.maximum(switchPoint);
        NDArray lowBranch = log1p(low.exp().neg());
        NDArray highBranch = expm1(high).neg().log();
        return NDArrays.where(farFromZero, lowBranch, highBranch);
    }

    /**
     * {@code log(sum(exp(x), axis))} with the maximum subtracted first (as a constant: the result's
     * gradient is the softmax either way).
     */
    public static NDArray logSumExp(NDArray x, int axis, boolean keepDims) {
        NDArray max = x.max(new int[] {axis}, true).stopGradient();
        NDArray summed = x.sub(max).exp().sum(new int[] {axis}, true).log().add(max);
        return keepDims ? summed : summed.squeeze(axis);
    }

    /**
     * {@code x - logSumExp(x, axis)}: log-probabilities from logits along a (non-negative) axis,
     * computed as {@code (x - max) - log(sum(exp(x - max)))} so large logits lose no digits.
     */
    public static NDArray logSoftmax(NDArray x, int axis) {
        NDArray shifted = x.sub(x.max(new int[] {axis}, true).stopGradient());
        return shifted.sub(shifted.exp().sum(new int[] {axis}, true).log());
    }

    /** {@code where(condition, a, b)} with a 0/1 or boolean condition. */
    public static NDArray where(NDArray condition, NDArray ifTrue, NDArray ifFalse) {
        NDArray c = condition.getDataType() == ai.djl.ndarray.types.DataType.BOOLEAN ? condition : condition.gt(0.5);
        return NDArrays.where(c, ifTrue, ifFalse);
    }
}
