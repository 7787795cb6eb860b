package dev.plumbline.openai;

import java.util.List;

/**
 * The sampling fields of a request. A null field (or an empty {@code stop}) is left out of the
 * request, so the endpoint's default applies.
 *
 * @param topK not in OpenAI's own API; vLLM, llama.cpp and Plumbline accept it, OpenAI rejects it
 */
public record Sampling(Double temperature, Integer maxTokens, Double topP, Integer topK, List<String> stop, Long seed) {

    public static final Sampling DEFAULTS = new Sampling(null, null, null, null, List.of(), null);

    public Sampling {
        stop = stop == null ? List.of() : List.copyOf(stop);
    }
}
