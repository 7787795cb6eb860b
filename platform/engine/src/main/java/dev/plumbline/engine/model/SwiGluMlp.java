package dev.plumbline.engine.model;

import ai.djl.ndarray.NDArray;

/** Llama's feed-forward block: {@code down(silu(gate(x)) * up(x))}. */
public final class SwiGluMlp {

    private final NDArray gate;
    private final NDArray up;
    private final NDArray down;

    public SwiGluMlp(NDArray gate, NDArray up, NDArray down) {
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    public NDArray apply(NDArray x) {
        NDArray g = Linear.apply(x, gate);
        NDArray silu = g.mul(g.getNDArrayInternal().sigmoid());
        return Linear.apply(silu.mul(Linear.apply(x, up)), down);
    }
}
