package dev.plumbline.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Teacher-forcing inputs for a batch of {@link ScoredSequence}s, right-padded on the host: the model
 * reads {@code tokens[0 .. n-2]} and position {@code j} predicts {@code tokens[j+1]}.
 *
 * @param inputIds {@code [B, L]} row-major, padded with {@code padId}
 * @param attentionMask {@code [B, L]}: 1 real, 0 padding
 * @param targetIds {@code [B, L]}: the token each position predicts (padding: {@code padId})
 * @param targetMask {@code [B, L]}: 1 where that prediction is scored
 */
public record CompletionBatch(int batchSize, int length, long[] inputIds, long[] attentionMask, long[] targetIds,
        float[] targetMask) {

    public static CompletionBatch of(List<ScoredSequence> sequences, long padId) {
        int b = sequences.size();
        if (b == 0) {
            throw new IllegalArgumentException("empty batch");
        }
        int length = 1;
        for (ScoredSequence s : sequences) {
            if (s.length() < 2) {
                throw new IllegalArgumentException("a sequence needs at least two tokens to score one");
            }
            length = Math.max(length, s.length() - 1);
        }
        long[] ids = new long[b * length];
        long[] mask = new long[b * length];
        long[] targets = new long[b * length];
        float[] targetMask = new float[b * length];
        java.util.Arrays.fill(ids, padId);
        java.util.Arrays.fill(targets, padId);
        for (int r = 0; r < b; r++) {
            ScoredSequence s = sequences.get(r);
            for (int j = 0; j < s.length() - 1; j++) {
                int at = r * length + j;
                ids[at] = s.tokens()[j];
                mask[at] = 1;
                targets[at] = s.tokens()[j + 1];
                targetMask[at] = s.targets()[j + 1] ? 1f : 0f;
            }
        }
        return new CompletionBatch(b, length, ids, mask, targets, targetMask);
    }

    public NDArray inputIds(NDManager m) {
        return m.create(inputIds, new Shape(batchSize, length));
    }

    public NDArray attentionMask(NDManager m) {
        return m.create(attentionMask, new Shape(batchSize, length));
    }

    public NDArray targetIds(NDManager m) {
        return m.create(targetIds, new Shape(batchSize, length));
    }

    public NDArray targetMask(NDManager m) {
        return m.create(targetMask, new Shape(batchSize, length));
    }

    /** Scored predictions in the batch (the denominator of a per-token mean loss). */
    public int targetCount() {
        int n = 0;
        for (float f : targetMask) {
            n += f > 0 ? 1 : 0;
        }
        return n;
    }
}
