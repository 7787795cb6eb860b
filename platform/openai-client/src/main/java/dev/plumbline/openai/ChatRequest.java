package dev.plumbline.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * One {@code /chat/completions} request.
 *
 * @param responseFormat OpenAI {@code response_format} object (structured output), or null
 */
public record ChatRequest(String model, List<ChatMessage> messages, Sampling sampling, JsonNode responseFormat) {

    public ChatRequest {
        Objects.requireNonNull(model, "model");
        messages = List.copyOf(messages);
        sampling = sampling == null ? Sampling.DEFAULTS : sampling;
    }
}
