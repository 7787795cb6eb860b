package dev.plumbline.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/**
 * Rotary position embeddings in Hugging Face's "rotate_half" layout: the head is split into two
 * halves {@code (x1, x2)} and rotated as {@code x * cos + cat(-x2, x1) * sin}, where frequency
 * {@code i} and {@code i + d/2} share an angle. cos/sin tables for every position up to
 * {@code max_position_embeddings} are computed once and gathered per token, so each row of a
 * batch can sit at its own position (left padding, KV caches).
 */
public final class RotaryEmbedding implements AutoCloseable {

    /** cos/sin gathered for a batch of positions, shaped {@code [B, 1, T, headDim]} to broadcast over heads. */
    public record Rotation(NDArray cos, NDArray signedSin) {}

    private final int headDim;
    private final int maxPositions;
    private final NDArray cosTable;
    /** sin with the first half negated, so {@code cat(-x2, x1) * sin == cat(x2, x1) * signedSin}. */
    private final NDArray signedSinTable;

    public RotaryEmbedding(LlamaConfig config, NDManager manager) {
        this.headDim = config.headDim();
        this.maxPositions = config.maxPositionEmbeddings();
        double[] inv = inverseFrequencies(config);
        int half = headDim / 2;
        float[] cos = new float[maxPositions * headDim];
        float[] sin = new float[maxPositions * headDim];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                // float32 product as in transformers (inv_freq @ position_ids in float32)
                float angle = (float) inv[i] * (float) p;
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                int base = p * headDim;
                cos[base + i] = c;
                cos[base + half + i] = c;
                sin[base + i] = -s;
                sin[base + half + i] = s;
            }
        }
        this.cosTable = manager.create(cos, new Shape(maxPositions, headDim));
        this.signedSinTable = manager.create(sin, new Shape(maxPositions, headDim));
    }

    /**
     * {@code 1 / theta^(2i/d)} for {@code i < d/2}, adjusted by the config's rope scaling
     * (transformers' {@code _compute_default_rope_parameters}, {@code _compute_linear_scaling_rope_parameters},
     * {@code _compute_llama3_parameters}).
     */
    public static double[] inverseFrequencies(LlamaConfig config) {
        int d = config.headDim();
        double[] inv = new double[d / 2];
        for (int i = 0; i < d / 2; i++) {
            // float32 like torch: base ** (arange(0, d, 2).float() / d)
            float exponent = (float) (2 * i) / (float) d;
            inv[i] = (float) (1.0 / (float) Math.pow(config.ropeTheta(), exponent));
        }
        RopeScaling s = config.ropeScaling();
        switch (s.type()) {
            case "linear":
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = inv[i] / s.factor();
                }
                break;
            case "llama3":
                double oldContext = s.originalMaxPositionEmbeddings();
                double lowFreqWavelen = oldContext / s.lowFreqFactor();
                double highFreqWavelen = oldContext / s.highFreqFactor();
                for (int i = 0; i < inv.length; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowFreqWavelen) {
                        inv[i] = inv[i] / s.factor();
                    } else if (wavelen >= highFreqWavelen) {
                        double smooth = (oldContext / wavelen - s.lowFreqFactor())
                                / (s.highFreqFactor() - s.lowFreqFactor());
                        inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
                    }
                }
                break;
            default:
                break;
        }
        return inv;
    }

    /** Gathers cos/sin for {@code positionIds [B, T]} (int64); results live in the ids' manager. */
    public Rotation at(NDArray positionIds) {
        NDArray cos = positionIds.getNDArrayInternal().embedding(positionIds, cosTable, SparseFormat.DENSE)
                .singletonOrThrow();
        NDArray sin = positionIds.getNDArrayInternal().embedding(positionIds, signedSinTable, SparseFormat.DENSE)
                .singletonOrThrow();
        return new Rotation(cos.expandDims(1), sin.expandDims(1));
    }

    /** Rotates {@code x [B, H, T, headDim]}. */
    public NDArray apply(NDArray x, Rotation rotation) {
        NDList halves = x.split(2, 3);
        NDArray swapped = halves.get(1).concat(halves.get(0), 3);
        return x.mul(rotation.cos()).add(swapped.mul(rotation.signedSin()));
    }

    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public void close() {
        cosTable.close();
        signedSinTable.close();
    }
}
