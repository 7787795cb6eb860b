package dev.plumbline.openai;

import java.time.Duration;

/**
 * Where and how to call an OpenAI-compatible API (OpenAI, vLLM, Ollama, llama.cpp, Plumbline's own {@code /v1}).
 *
 * @param baseUrl API root such as {@code http://127.0.0.1:8000/v1}; {@code /chat/completions},
 *     {@code /completions} and {@code /models} are appended
 * @param apiKey sent as {@code Authorization: Bearer}; empty sends none
 * @param timeout connect timeout, longest wait for the response to start, and longest silence between
 *     two lines of a response body (so a long stream that keeps producing never times out)
 * @param maxRetries retries after the first attempt, on connection errors, timeouts, 429 and 5xx
 * @param maxConcurrency requests in flight through one {@link OpenAiClient} at most
 */
public record OpenAiEndpoint(String baseUrl, String apiKey, Duration timeout, int maxRetries, int maxConcurrency) {

    public OpenAiEndpoint {
        if (baseUrl == null || !(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))) {
            throw new IllegalArgumentException("base URL must start with http:// or https://, got '" + baseUrl + "'");
        }
        while (baseUrl.endsWith("/")) {
            baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
        }
        apiKey = apiKey == null ? "" : apiKey;
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("max retries must be >= 0, got " + maxRetries);
        }
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("max concurrency must be >= 1, got " + maxConcurrency);
        }
    }

    /** Never shows the API key (endpoints end up in logs and error messages). */
    @Override
    public String toString() {
        return "OpenAiEndpoint[baseUrl=" + baseUrl + ", apiKey=" + (apiKey.isEmpty() ? "none" : "***")
                + ", timeout=" + timeout + ", maxRetries=" + maxRetries + ", maxConcurrency=" + maxConcurrency + "]";
    }
}
