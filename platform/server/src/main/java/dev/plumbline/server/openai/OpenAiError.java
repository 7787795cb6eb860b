package dev.plumbline.server.openai;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}. */
@RegisterForReflection
public record OpenAiError(Body error) {

    @RegisterForReflection
    public record Body(String message, String type, String param, String code) {}

    public static OpenAiError of(String message, String type, String param, String code) {
        return new OpenAiError(new Body(message, type, param, code));
    }
}
