package dev.plumbline.engine.model;

import dev.plumbline.spi.loss.Scalars;
import ai.djl.ndarray.NDArray;
import dev.plumbline.engine.model.RotaryEmbedding.Rotation;

/**
 * Causal self-attention with grouped-query heads ({@code num_key_value_heads <= num_attention_heads}).
 * Instead of repeating each key/value head {@code g} times (transformers' {@code repeat_kv}), the
 * {@code g} query heads that share it are folded into the query-length axis, so one batched matmul
 * serves the group and the KV cache is read once per step.
 */
public final class GroupedQueryAttention {

    private final NDArray q;
    private final NDArray k;
    private final NDArray v;
    private final NDArray o;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;

    public GroupedQueryAttention(LlamaConfig config, NDArray q, NDArray k, NDArray v, NDArray o) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.o = o;
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /**
     * @param x {@code [B, T, hidden]}
     * @param bias additive mask {@code [B, 1, T, S]}
     * @param cache {@code null} when attending only within {@code x}
     */
    public NDArray apply(NDArray x, Rotation rotation, RotaryEmbedding rope, NDArray bias, KvCache cache,
            int layer) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray query = Linear.apply(x, q).reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);
        NDArray key = Linear.apply(x, k).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3);
        NDArray value = Linear.apply(x, v).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3);
        query = rope.apply(query, rotation);
        key = rope.apply(key, rotation);
        if (cache != null) {
            NDArray[] kv = cache.append(layer, key, value);
            key = kv[0];
            value = kv[1];
        }
        long s = key.getShape().get(2);
        NDArray scale = Scalars.of(x, this.scale);
        int group = heads / kvHeads;
        NDArray context;
        if (group == 1) {
            NDArray scores = query.matMul(key.transpose(0, 1, 3, 2)).mul(scale).add(bias);
            context = scores.softmax(3).matMul(value);
        } else {
            // head h uses kv head h / group: [B, H, T, D] -> [B, kvH, group*T, D]
            NDArray grouped = query.reshape(b, kvHeads, group * t, headDim);
            NDArray scores = grouped.matMul(key.transpose(0, 1, 3, 2)).mul(scale)
                    .reshape(b, kvHeads, group, t, s).add(bias.expandDims(2));
            NDArray probs = scores.softmax(4).reshape(b, kvHeads, group * t, s);
            context = probs.matMul(value).reshape(b, heads, t, headDim);
        }
        NDArray merged = context.transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim);
        return Linear.apply(merged, o);
    }
}
