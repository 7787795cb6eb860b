package dev.plumbline.openai;

/**
 * The first choice of a raw completion.
 *
 * @param text with {@code echo}, the prompt followed by the generated text
 * @param finishReason {@code stop}, {@code length}, …; null when the endpoint sent none
 * @param usage null when the endpoint reported none
 * @param logProbs null unless the request asked for log-probs
 */
public record TextCompletion(String text, String finishReason, Usage usage, TokenLogProbs logProbs) {

    public boolean finishedByLength() {
        return "length".equals(finishReason);
    }
}
