package dev.plumbline.spi;

import java.util.List;

/**
 * An alignment algorithm: the reference implementation's defaults (as {@link #parameters()}) plus
 * a loss written with DJL {@code NDArray} operations, so autograd gives gradients.
 */
public interface Algorithm extends Plugin {

    @Override
    default PluginKind kind() {
        return PluginKind.ALGORITHM;
    }

    /** The named tensors {@link #loss} reads. */
    List<TensorSpec> tensors();

    /**
     * Computes the loss of one batch. Throws {@link InvalidInputException} for constraints the
     * tensor specs cannot express (e.g. a group size that does not divide the batch).
     */
    LossOutput loss(LossInput input);
}
