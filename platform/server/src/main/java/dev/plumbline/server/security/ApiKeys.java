package dev.plumbline.server.security;

import dev.plumbline.server.config.PlumblineConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/** The configured API keys; authentication is on when at least one is set. */
@ApplicationScoped
public class ApiKeys {

    public static final String HEADER = "x-api-key";
    public static final String CHALLENGE =
            "missing or invalid API key: send it as 'x-api-key: <key>' or 'Authorization: Bearer <key>'";

    private final List<byte[]> keys;

    public ApiKeys(PlumblineConfig config) {
        this.keys = config.apiKeys().orElse(List.of()).stream()
                .map(String::trim).filter(k -> !k.isEmpty())
                .map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    }

    public boolean enabled() {
        return !keys.isEmpty();
    }

    /** Whether the request's credentials (either header may be null) carry an accepted key. */
    public boolean accepts(String apiKeyHeader, String authorizationHeader) {
        String presented = apiKeyHeader;
        if (presented == null && authorizationHeader != null
                && authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorizationHeader.substring(7).trim();
        }
        if (presented == null) {
            return false;
        }
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] k : keys) {
            ok |= MessageDigest.isEqual(k, p); // constant time, and no early exit
        }
        return ok;
    }
}
