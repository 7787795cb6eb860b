package dev.plumbline.engine.model.generate;

/**
 * One row's output.
 *
 * @param tokenIds generated ids, including a final stop token when {@link FinishReason#STOP_TOKEN}
 * @param text decoded text without special tokens, cut before a matched stop sequence
 * @param tokenLogProbs log-probability of each generated id under the model's unmodified
 *     distribution (temperature 1, no top-k/top-p): the "old" log-probs of on-policy RL
 */
public record GenerationResult(long[] tokenIds, String text, double[] tokenLogProbs, FinishReason finishReason,
        int promptTokens) {

    public boolean finishedByLength() {
        return finishReason == FinishReason.LENGTH;
    }
}
