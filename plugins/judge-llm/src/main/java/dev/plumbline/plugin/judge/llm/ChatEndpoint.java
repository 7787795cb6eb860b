package dev.plumbline.plugin.judge.llm;

import java.time.Duration;

/**
 * Where and how to call an OpenAI-compatible chat endpoint.
 *
 * @param baseUrl e.g. {@code http://127.0.0.1:8000/v1} (the path {@code /chat/completions} is appended)
 * @param apiKey sent as {@code Authorization: Bearer}; empty for none
 */
record ChatEndpoint(String baseUrl, String apiKey, Duration timeout, int maxRetries, int maxConcurrency) {

    ChatEndpoint {
        baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }
}
