package dev.plumbline.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * Scalar constants for differentiable code. DJL's {@code x.mul(Number)} (likewise {@code div},
 * {@code pow}, ...) wraps the number in a tensor backed by a Java direct buffer and closes it right
 * after the op; autograd may have saved that tensor for the backward pass, and if the buffer is
 * garbage-collected before {@code backward()} the gradients read freed memory (NaN or garbage).
 * A scalar created in the operand's manager stays alive until that manager (the step) closes.
 */
public final class Scalars {

    private Scalars() {}

    /** {@code value} as a 0-d float32 array in {@code like}'s manager. */
    public static NDArray of(NDArray like, float value) {
        return like.getManager().create(value);
    }
}
