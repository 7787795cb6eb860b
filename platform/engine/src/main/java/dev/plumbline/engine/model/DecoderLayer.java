package dev.plumbline.engine.model;

import ai.djl.ndarray.NDArray;
import dev.plumbline.engine.model.RotaryEmbedding.Rotation;

/** One pre-norm Llama block: {@code h = x + attn(norm1(x)); out = h + mlp(norm2(h))}. */
public final class DecoderLayer {

    private final int index;
    private final RmsNorm inputNorm;
    private final GroupedQueryAttention attention;
    private final RmsNorm postAttentionNorm;
    private final SwiGluMlp mlp;

    public DecoderLayer(int index, RmsNorm inputNorm, GroupedQueryAttention attention, RmsNorm postAttentionNorm,
            SwiGluMlp mlp) {
        this.index = index;
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.mlp = mlp;
    }

    public NDArray apply(NDArray x, Rotation rotation, RotaryEmbedding rope, NDArray bias, KvCache cache) {
        NDArray h = x.add(attention.apply(inputNorm.apply(x), rotation, rope, bias, cache, index));
        return h.add(mlp.apply(postAttentionNorm.apply(h)));
    }
}
