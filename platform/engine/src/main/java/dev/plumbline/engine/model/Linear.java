package dev.plumbline.engine.model;

import ai.djl.ndarray.NDArray;

/** {@code x @ W^T} with {@code W [out, in]} as PyTorch stores it, in one fused {@code torch.linear}. */
final class Linear {

    private Linear() {}

    static NDArray apply(NDArray x, NDArray weight) {
        return x.getNDArrayInternal().linear(x, weight, null).singletonOrThrow();
    }
}
