package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.TokenLogProbs;
import dev.plumbline.spi.loss.Scalars;
import java.util.List;

/**
 * Prompt + completion rows in TRL's rollout layout: prompts left-padded to a common width {@code P},
 * completions right-padded to {@code C} after them, so completion token {@code t} of every row sits
 * at column {@code P + t} and is predicted by the hidden state at column {@code P + t - 1}. Per-token
 * tensors come out as {@code [B, C]} (TRL's {@code completion_mask} layout), 0 on padding.
 */
final class RolloutBatch {

    private final int rows;
    private final int promptWidth;
    private final int completionWidth;
    private final long[] ids;
    private final long[] attention;
    private final long[] targets;
    private final float[] mask;

    private RolloutBatch(int rows, int promptWidth, int completionWidth, long[] ids, long[] attention, long[] targets,
            float[] mask) {
        this.rows = rows;
        this.promptWidth = promptWidth;
        this.completionWidth = completionWidth;
        this.ids = ids;
        this.attention = attention;
        this.targets = targets;
        this.mask = mask;
    }

    static RolloutBatch of(List<Rollouts.Rollout> rollouts, long padId) {
        int b = rollouts.size();
        if (b == 0) {
            throw new IllegalArgumentException("empty rollout batch");
        }
        int p = 1;
        int c = 1;
        for (Rollouts.Rollout r : rollouts) {
            p = Math.max(p, r.promptIds().length);
            c = Math.max(c, r.length());
        }
        int width = p + c;
        long[] ids = new long[b * width];
        long[] attention = new long[b * width];
        long[] targets = new long[b * c];
        float[] mask = new float[b * c];
        java.util.Arrays.fill(ids, padId);
        java.util.Arrays.fill(targets, padId);
        for (int r = 0; r < b; r++) {
            Rollouts.Rollout roll = rollouts.get(r);
            long[] prompt = roll.promptIds();
            int start = p - prompt.length;
            for (int j = 0; j < prompt.length; j++) {
                ids[r * width + start + j] = prompt[j];
                attention[r * width + start + j] = 1;
            }
            long[] completion = roll.completionIds();
            for (int t = 0; t < completion.length; t++) {
                ids[r * width + p + t] = completion[t];
                attention[r * width + p + t] = 1;
                targets[r * c + t] = completion[t];
                mask[r * c + t] = 1f;
            }
        }
        return new RolloutBatch(b, p, c, ids, attention, targets, mask);
    }

    /** {@code [B, C]} float32 completion mask. */
    NDArray mask(NDManager m) {
        return m.create(mask, new Shape(rows, completionWidth));
    }

    /** {@code [B, C]} int64 completion ids (pad on padding). */
    NDArray targets(NDManager m) {
        return m.create(targets, new Shape(rows, completionWidth));
    }

    /**
     * Final-norm hidden states {@code [B, C, hidden]} at the positions that predict each completion
     * token (the state before it), recording gradients if the weights do.
     */
    NDArray completionHidden(LlamaModel model, NDManager m) {
        int width = promptWidth + completionWidth;
        NDArray input = m.create(ids, new Shape(rows, width));
        NDArray attentionMask = m.create(attention, new Shape(rows, width));
        NDArray hidden = model.hiddenStates(input, attentionMask, LlamaModel.positionIds(attentionMask), null);
        return hidden.get(new NDIndex().addAllDim().addSliceDim(promptWidth - 1, promptWidth - 1 + completionWidth));
    }

    /** Logits {@code [B, C, vocab]} of the completion tokens' predictions. */
    NDArray completionLogits(LlamaModel model, NDManager m) {
        return model.logits(completionHidden(model, m));
    }

    /** {@code logits / temperature} (unchanged for temperature 1; no Java-number operand under autograd). */
    static NDArray tempered(NDArray logits, double temperature) {
        return temperature == 1.0 ? logits : logits.div(Scalars.of(logits, temperature));
    }

    /** Per-token log-probs {@code [B, C]} of the completion tokens under {@code logits}, 0 on padding. */
    NDArray tokenLogps(NDArray logits, NDManager m) {
        return TokenLogProbs.of(logits, targets(m), mask(m));
    }

    /** Per-token entropy {@code -sum_v p log p} {@code [B, C]} of {@code logits} (TRL entropy_from_logits). */
    static NDArray entropy(NDArray logits) {
        NDArray logp = logits.logSoftmax(2);
        return logp.exp().mul(logp).sum(new int[] {2}).neg();
    }

    /** Per-token log-probs without gradients, on the host ({@code [B*C]}, 0 on padding). */
    double[] tokenLogpsNoGrad(LlamaModel model, NDManager parent, double temperature) {
        boolean detach = model.parameters().values().iterator().next().hasGradient();
        LlamaModel runner = detach ? model.detached() : model;
        try (NDManager m = parent.newSubManager()) {
            NDArray logits = tempered(completionLogits(runner, m), temperature);
            return tokenLogps(logits, m).toType(DataType.FLOAT64, false).toDoubleArray();
        } finally {
            if (detach) {
                runner.close();
            }
        }
    }

    /** A host {@code [B*C]} per-token array split into rows, each as long as its completion. */
    double[][] byRow(double[] perToken) {
        double[][] out = new double[rows][];
        for (int r = 0; r < rows; r++) {
            int n = 0;
            while (n < completionWidth && mask[r * completionWidth + n] > 0) {
                n++;
            }
            out[r] = java.util.Arrays.copyOfRange(perToken, r * completionWidth, r * completionWidth + n);
        }
        return out;
    }

    /** Per-row values (each as long as its completion) as a float32 {@code [B, C]} tensor, 0 on padding. */
    NDArray fromRows(double[][] values, NDManager m) {
        float[] f = new float[rows * completionWidth];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < values[r].length; t++) {
                f[r * completionWidth + t] = (float) values[r][t];
            }
        }
        return m.create(f, new Shape(rows, completionWidth));
    }

    /** {@code [B]} sums of a host {@code [B*C]} per-token array. */
    double[] rowSums(double[] perToken) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int t = 0; t < completionWidth; t++) {
                s += perToken[r * completionWidth + t];
            }
            out[r] = s;
        }
        return out;
    }

    /** A host {@code [B*C]} array as a float32 {@code [B, C]} tensor. */
    NDArray perToken(double[] values, NDManager m) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return m.create(f, new Shape(rows, completionWidth));
    }
}
