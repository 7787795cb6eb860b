package dev.plumbline.openai;

/**
 * The first choice of a chat completion.
 *
 * @param finishReason {@code stop}, {@code length}, …; null when the endpoint sent none
 * @param usage null when the endpoint reported none
 */
public record ChatCompletion(String content, String finishReason, Usage usage) {

    public boolean finishedByLength() {
        return "length".equals(finishReason);
    }
}
