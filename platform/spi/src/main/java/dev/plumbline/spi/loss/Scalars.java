package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Scalar operands for loss code: write {@code x.mul(Scalars.of(x, beta))}, never {@code x.mul(beta)}.
 *
 * <p>Why: DJL's arithmetic with a Java-number operand ({@code add}, {@code sub}, {@code mul},
 * {@code div}, {@code mod}, {@code pow}, {@code maximum}, {@code minimum} and their in-place
 * {@code ...i} forms; PtNDArray 0.35.1) wraps the number in a 0-d tensor whose memory is a Java
 * direct buffer shared with the native tensor, and closes that array as soon as the op returns.
 * PyTorch autograd saves the operand of {@code mul}, {@code div}, {@code pow}, {@code maximum} and
 * {@code minimum} for the backward pass; once the closed array is garbage-collected the saved tensor
 * points to freed memory and a GC between forward and backward turns the gradients into garbage
 * (tiny denormals, NaN, 0). {@code add}/{@code sub} save nothing today, but loss code uses this helper
 * for them too, so the rule is simply "no number operands" and a bytecode scan can enforce it.
 *
 * <p>The array returned here belongs to {@code like}'s manager (the loss step's), which keeps it and
 * its buffer alive until that manager closes, after backward. It has {@code like}'s data type, so a
 * float32 computation stays float32 even for 0-d operands (a Java {@code double} would make DJL create
 * a float64 scalar, and a 0-d float32 array times a 0-d float64 array is promoted to float64).
 *
 * <p>Not needed: comparisons ({@code gt(0.0)} etc.; boolean results carry no gradient) and
 * {@code clip(min, max)}, whose bounds DJL creates in the operand's manager and never closes.
 */
public final class Scalars {

    private Scalars() {
    }

    /**
     * {@code value} as a 0-d array with {@code like}'s data type, created in {@code like}'s manager
     * (so it lives until that manager closes). Floating-point types round {@code value} the way the
     * equivalent Java-number op would; other types convert it with {@link NDArray#toType}.
     */
    public static NDArray of(NDArray like, double value) {
        NDManager manager = like.getManager();
        DataType type = like.getDataType();
        return switch (type) {
            case FLOAT64 -> manager.create(value);
            case FLOAT32 -> manager.create((float) value);
            default -> manager.create(value).toType(type, false);
        };
    }
}
