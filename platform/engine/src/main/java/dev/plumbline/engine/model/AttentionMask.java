package dev.plumbline.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/** Builds additive attention biases: 0 where a query may attend, {@value #MASKED} where not. */
public final class AttentionMask {

    /** Large enough that exp() underflows to exactly 0, small enough that sums never reach -inf. */
    public static final float MASKED = -1e9f;

    private AttentionMask() {}

    /**
     * Causal + padding bias {@code [B, 1, T, S]} for {@code T} queries that occupy slots
     * {@code past .. past+T-1} of {@code S = past + T} keys. DJL has no tril, so causality is a
     * comparison of key and query slot indices.
     *
     * @param keyMask {@code [B, S]}, 1 for real tokens, 0 for padding
     */
    public static NDArray causalBias(NDArray keyMask, int past, int queries) {
        NDManager m = keyMask.getManager();
        long batch = keyMask.getShape().get(0);
        int keys = (int) keyMask.getShape().get(1);
        if (keys != past + queries) {
            throw new IllegalArgumentException("attention mask has " + keys + " columns, expected " + (past + queries));
        }
        NDArray keySlot = m.arange(0, keys, 1, DataType.INT64).reshape(1, 1, keys);
        NDArray querySlot = m.arange(past, past + queries, 1, DataType.INT64).reshape(1, queries, 1);
        NDArray causal = keySlot.lte(querySlot);
        NDArray real = keyMask.gt(0).reshape(batch, 1, keys);
        NDArray allowed = causal.logicalAnd(real);
        return allowed.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED).expandDims(1);
    }
}
