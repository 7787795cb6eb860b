package dev.plumbline.spi;

import java.util.List;

/**
 * A named tensor an {@link Algorithm} takes.
 *
 * @param shape symbolic dimensions, e.g. {@code ["B"]} or {@code ["B", "T"]}; every tensor of one
 *     call must bind a symbol to the same size. An empty list is a scalar.
 * @param differentiable whether gradients of the loss with respect to it are returned on request
 */
public record TensorSpec(String name, List<String> shape, boolean required, boolean differentiable, String doc) {

    public TensorSpec {
        shape = List.copyOf(shape);
    }

    public static TensorSpec input(String name, List<String> shape, String doc) {
        return new TensorSpec(name, shape, true, true, doc);
    }

    public static TensorSpec constant(String name, List<String> shape, String doc) {
        return new TensorSpec(name, shape, true, false, doc);
    }

    public TensorSpec optional() {
        return new TensorSpec(name, shape, false, differentiable, doc);
    }

    /** The shape as documented, e.g. {@code [B, T]}. */
    public String shapeText() {
        return "[" + String.join(", ", shape) + "]";
    }
}
