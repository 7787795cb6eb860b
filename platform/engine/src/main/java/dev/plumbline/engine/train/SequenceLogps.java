package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.plumbline.engine.model.CompletionBatch;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ScoredSequence;
import dev.plumbline.engine.model.TokenLogProbs;
import dev.plumbline.engine.model.train.SftEncoder;
import dev.plumbline.engine.model.train.SftExample;
import dev.plumbline.spi.InvalidInputException;
import java.util.List;

/**
 * Completion log-probabilities of encoded prompt + completion sequences, as TRL's
 * {@code concatenated_forward} computes them: per-token log-probs of the completion tokens (targets)
 * summed per sequence, or averaged over the completion tokens.
 */
final class SequenceLogps {

    private SequenceLogps() {}

    /** Tokenizes examples for the policy (completion tokens and EOS are the targets), checking vocabulary and length. */
    static ScoredSequence encode(TrainingContext context, SftExample example) {
        int maxLength = Math.min(context.settings().maxLength(),
                context.policy().model().config().maxPositionEmbeddings());
        SftEncoder encoder = new SftEncoder(context.policy().tokenizer(), context.policy().chatFormat(), true,
                maxLength);
        ScoredSequence s = encoder.encode(example);
        int vocab = context.policy().model().config().vocabSize();
        for (long id : s.tokens()) {
            if (id >= vocab) {
                throw new InvalidInputException(example.source(), "token id " + id
                        + " is outside the model's vocabulary (" + vocab + ")");
            }
        }
        if (s.targetCount() == 0) {
            throw new InvalidInputException(example.source(), "has no completion token within max_length "
                    + maxLength + "; raise trainer.max_length or shorten the prompt");
        }
        return s;
    }

    /** Per-token log-probs {@code [B, L]} of the targets (0 elsewhere), recording gradients if the weights do. */
    static NDArray tokenLogps(LlamaModel model, CompletionBatch batch, NDManager m) {
        return TokenLogProbs.of(model, batch, m);
    }

    /** {@code [B]} sums of the target log-probs. */
    static NDArray sums(NDArray tokenLogps) {
        return tokenLogps.sum(new int[] {1});
    }

    /** {@code [B]} target counts (float32). */
    static NDArray counts(CompletionBatch batch, NDManager m) {
        return batch.targetMask(m).sum(new int[] {1});
    }

    /** Summed completion log-probs without gradients, in batches of {@code batchSize}. */
    static double[] sumsNoGrad(LlamaModel model, List<ScoredSequence> sequences, long padId, int batchSize,
            NDManager parent) {
        double[] out = new double[sequences.size()];
        LlamaModel frozen = model.detached();
        try {
            for (int from = 0; from < sequences.size(); from += batchSize) {
                List<ScoredSequence> slice = sequences.subList(from, Math.min(sequences.size(), from + batchSize));
                try (NDManager m = parent.newSubManager()) {
                    CompletionBatch batch = CompletionBatch.of(slice, padId);
                    float[] sums = sums(tokenLogps(frozen, batch, m)).toType(DataType.FLOAT32, false).toFloatArray();
                    for (int i = 0; i < sums.length; i++) {
                        out[from + i] = sums[i];
                    }
                }
            }
        } finally {
            frozen.close();
        }
        return out;
    }

    /** {@code values[indexes[i]]} as floats (a micro-batch's slice of cached per-example values). */
    static float[] pick(double[] values, List<Integer> indexes) {
        float[] out = new float[indexes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) values[indexes.get(i)];
        }
        return out;
    }
}
