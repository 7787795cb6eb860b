package dev.plumbline.engine.model;

import dev.plumbline.spi.loss.Scalars;
import ai.djl.ndarray.NDArray;

/** Root-mean-square layer norm over the last axis: {@code w * x / sqrt(mean(x^2) + eps)} (no mean, no bias). */
public final class RmsNorm {

    private final NDArray weight;
    private final float eps;

    public RmsNorm(NDArray weight, double eps) {
        this.weight = weight;
        this.eps = (float) eps;
    }

    /** Normalises {@code x} of any rank; results live in {@code x}'s manager. */
    public NDArray apply(NDArray x) {
        int last = x.getShape().dimension() - 1;
        // x*x, not x.pow(2): see dev.plumbline.spi.loss.Scalars for why differentiable code avoids Number operands.
        NDArray rms = x.mul(x).mean(new int[] {last}, true).add(Scalars.of(x, eps)).sqrt();
        return x.div(rms).mul(weight);
    }

    public NDArray weight() {
        return weight;
    }
}
