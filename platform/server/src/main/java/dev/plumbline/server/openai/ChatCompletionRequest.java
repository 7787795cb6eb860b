package dev.plumbline.server.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/** The OpenAI chat-completions request fields Plumbline honours; others are ignored. */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
public record ChatCompletionRequest(
        String model,
        List<Message> messages,
        Double temperature,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("top_k") Integer topK,
        JsonNode stop,
        Long seed,
        Boolean stream,
        Integer n) {

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Message(String role, JsonNode content) {}
}
