package dev.plumbline.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Per-token log-probabilities of given target tokens: the quantity SFT, DPO, GRPO and PPO losses are
 * built from. Differentiable: call inside a {@code GradientCollector} with a model whose weights
 * require gradients.
 */
public final class TokenLogProbs {

    private TokenLogProbs() {}

    /**
     * {@code log softmax(logits)[b, t, targets[b, t]]}, zeroed where {@code mask == 0}.
     *
     * @param logits {@code [B, T, V]}
     * @param targets {@code [B, T]} token ids
     * @param mask {@code [B, T]} (1 keep, 0 drop) or {@code null}
     * @return {@code [B, T]} float32
     */
    public static NDArray of(NDArray logits, NDArray targets, NDArray mask) {
        NDArray index = targets.toType(DataType.INT64, false).expandDims(2);
        NDArray picked = logits.logSoftmax(2).gather(index, 2).squeeze(2);
        return mask == null ? picked : picked.mul(mask.toType(DataType.FLOAT32, false));
    }

    /** Runs the model on a batch and returns the masked per-token log-probs {@code [B, L]}. */
    public static NDArray of(LlamaModel model, CompletionBatch batch, NDManager manager) {
        NDArray logits = model.forward(batch.inputIds(manager), batch.attentionMask(manager));
        return of(logits, batch.targetIds(manager), batch.targetMask(manager));
    }
}
