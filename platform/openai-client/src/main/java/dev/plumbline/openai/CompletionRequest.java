package dev.plumbline.openai;

import java.util.Objects;

/**
 * One {@code /completions} request: raw text, no chat template.
 *
 * @param echo return the prompt in front of the completion (with {@code logprobs}: the prompt's log-probs)
 * @param logprobs how many alternatives per token to return log-probs for, or null for no log-probs
 */
public record CompletionRequest(String model, String prompt, Sampling sampling, boolean echo, Integer logprobs) {

    public CompletionRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "prompt");
        sampling = sampling == null ? Sampling.DEFAULTS : sampling;
    }

    public static CompletionRequest of(String model, String prompt, Sampling sampling) {
        return new CompletionRequest(model, prompt, sampling, false, null);
    }
}
