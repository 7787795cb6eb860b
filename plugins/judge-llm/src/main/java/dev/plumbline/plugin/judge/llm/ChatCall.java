package dev.plumbline.plugin.judge.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One chat-completion request.
 *
 * @param responseFormat OpenAI {@code response_format} object for structured output, or null
 */
record ChatCall(String model, List<Message> messages, double temperature, int maxTokens, Long seed,
        JsonNode responseFormat) {

    record Message(String role, String content) {}
}
