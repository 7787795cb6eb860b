package dev.plumbline.plugin.judge.llm;

import dev.plumbline.openai.OpenAiEndpoint;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import java.time.Duration;
import java.util.List;

/** The parameters both LLM judges take, declared once. */
record LlmJudgeSettings(
        String baseUrl, String model, String apiKey, double temperature, int maxTokens, Long seed,
        Duration timeout, int maxRetries, int maxConcurrency, boolean structuredOutput, boolean cache) {

    static final List<ParameterSpec> SPECS = List.of(
            ParameterSpec.string("base_url", "http://127.0.0.1:8080/v1",
                    "OpenAI-compatible API root; /chat/completions is appended (Plumbline's own /v1 by default)."),
            ParameterSpec.string("model", "", "Judge model name sent to the endpoint."),
            ParameterSpec.string("api_key_env", "OPENAI_API_KEY",
                    "Environment variable holding the endpoint's API key (unset or empty: no key is sent)."),
            ParameterSpec.number("temperature", 0.0, 0.0, 2.0, "Sampling temperature of the judge (MT-Bench: 0)."),
            ParameterSpec.integer("max_tokens", 2048L, 1L, 32768L, "Token budget of the judge's answer (MT-Bench: 2048)."),
            ParameterSpec.integer("seed", -1L, -1L, null, "Seed sent to the endpoint; -1 sends none."),
            ParameterSpec.number("timeout_seconds", 60.0, 0.05, 3600.0, "Per-request timeout."),
            ParameterSpec.integer("max_retries", 3L, 0L, 10L,
                    "Retries (exponential backoff with jitter) on timeouts, connection errors, 429 and 5xx."),
            ParameterSpec.integer("max_concurrency", 4L, 1L, 256L, "Requests in flight to this endpoint at most."),
            ParameterSpec.bool("structured_output", false,
                    "Ask for a JSON verdict with response_format json_schema instead of the [[...]] format."),
            ParameterSpec.bool("cache", true,
                    "Reuse an earlier answer when endpoint, model, template, texts, order and settings are all equal."));

    static LlmJudgeSettings of(Parameters p) {
        String keyEnv = p.string("api_key_env");
        String key = keyEnv.isEmpty() ? null : System.getenv(keyEnv);
        long seed = p.integer("seed");
        LlmJudgeSettings s = new LlmJudgeSettings(p.string("base_url"), p.string("model"), key == null ? "" : key,
                p.number("temperature"), p.intValue("max_tokens"), seed < 0 ? null : seed,
                Duration.ofMillis(Math.round(p.number("timeout_seconds") * 1000)), p.intValue("max_retries"),
                p.intValue("max_concurrency"), p.bool("structured_output"), p.bool("cache"));
        s.endpoint(); // a malformed base_url fails the request up front, not every sample
        return s;
    }

    OpenAiEndpoint endpoint() {
        try {
            return new OpenAiEndpoint(baseUrl, apiKey, timeout, maxRetries, maxConcurrency);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("parameters.base_url", e.getMessage());
        }
    }
}
