package dev.plumbline.plugin.model.openai;

import dev.plumbline.openai.OpenAiEndpoint;
import dev.plumbline.spi.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code openai} provider's settings, read from {@link dev.plumbline.spi.ProviderContext#settings()}
 * (the server fills them from {@code plumbline.providers.openai.<key>}). Errors name the full key.
 *
 * @param baseUrl empty when not configured: the provider then lists no models
 * @param models ids to expose; empty means "ask the endpoint's {@code GET /models}"
 * @param contextLength reported for models the endpoint does not give a length for; 0 = unknown
 */
record OpenAiProviderSettings(String baseUrl, String apiKey, List<String> models, Duration timeout, int maxRetries,
        int maxConcurrency, long contextLength) {

    static final String PREFIX = "plumbline.providers." + OpenAiModelProvider.ID + ".";
    static final String BASE_URL = "base-url";
    static final String API_KEY = "api-key";
    static final String MODELS = "models";
    static final String TIMEOUT_SECONDS = "timeout-seconds";
    static final String MAX_RETRIES = "max-retries";
    static final String MAX_CONCURRENCY = "max-concurrency";
    static final String CONTEXT_LENGTH = "context-length";
    static final List<String> KEYS = List.of(BASE_URL, API_KEY, MODELS, TIMEOUT_SECONDS, MAX_RETRIES, MAX_CONCURRENCY,
            CONTEXT_LENGTH);

    OpenAiProviderSettings {
        models = List.copyOf(models);
    }

    static OpenAiProviderSettings of(Map<String, String> settings) {
        for (String key : settings.keySet()) {
            // A typo (say "base_url") would otherwise silently leave the provider without models.
            if (!KEYS.contains(key)) {
                throw new InvalidInputException(PREFIX + key, "unknown setting; known: " + String.join(", ", KEYS));
            }
        }
        String baseUrl = settings.getOrDefault(BASE_URL, "").strip();
        OpenAiProviderSettings s = new OpenAiProviderSettings(baseUrl, settings.getOrDefault(API_KEY, "").strip(),
                models(settings.getOrDefault(MODELS, "")),
                Duration.ofMillis(Math.round(number(settings, TIMEOUT_SECONDS, 60.0, 0.05, 86_400) * 1000)),
                (int) integer(settings, MAX_RETRIES, 3, 0, 10), (int) integer(settings, MAX_CONCURRENCY, 4, 1, 256),
                integer(settings, CONTEXT_LENGTH, 0, 0, Integer.MAX_VALUE));
        if (s.configured()) {
            s.endpoint(); // a malformed base-url is reported as such, not as a failing request later
        }
        return s;
    }

    boolean configured() {
        return !baseUrl.isEmpty();
    }

    OpenAiEndpoint endpoint() {
        try {
            return new OpenAiEndpoint(baseUrl, apiKey, timeout, maxRetries, maxConcurrency);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(PREFIX + BASE_URL, e.getMessage());
        }
    }

    private static List<String> models(String value) {
        Set<String> ids = new LinkedHashSet<>();
        for (String id : value.split(",")) {
            if (!id.isBlank()) {
                ids.add(id.strip());
            }
        }
        return new ArrayList<>(ids);
    }

    private static double number(Map<String, String> settings, String key, double fallback, double min, double max) {
        String raw = settings.get(key);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        double value;
        try {
            value = Double.parseDouble(raw.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(PREFIX + key, "must be a number, got '" + raw + "'");
        }
        if (!(value >= min && value <= max)) {
            throw new InvalidInputException(PREFIX + key, "must be in [" + min + ", " + max + "], got " + raw);
        }
        return value;
    }

    private static long integer(Map<String, String> settings, String key, long fallback, long min, long max) {
        String raw = settings.get(key);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(PREFIX + key, "must be an integer, got '" + raw + "'");
        }
        if (value < min || value > max) {
            throw new InvalidInputException(PREFIX + key, "must be in [" + min + ", " + max + "], got " + raw);
        }
        return value;
    }
}
