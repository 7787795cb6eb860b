package dev.plumbline.server.model;

import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import java.util.List;
import java.util.Set;

/** Validation of generation input shared by ModelService and the OpenAI-compatible endpoint. */
public final class GenerationRequests {

    public static final int DEFAULT_MAX_NEW_TOKENS = 256;
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    private GenerationRequests() {}

    public static GenerationSettings settings(double temperature, int maxNewTokens, int topK, double topP,
            List<String> stop, Long seed, String field) {
        if (!(temperature >= 0 && temperature <= 10)) {
            throw new InvalidInputException(field + ".temperature", "must be in [0, 10], got " + temperature);
        }
        if (maxNewTokens < 0) {
            throw new InvalidInputException(field + ".max_new_tokens", "must be >= 0, got " + maxNewTokens);
        }
        if (topK < 0) {
            throw new InvalidInputException(field + ".top_k", "must be >= 0, got " + topK);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new InvalidInputException(field + ".top_p", "must be in [0, 1], got " + topP);
        }
        for (int i = 0; i < stop.size(); i++) {
            if (stop.get(i).isEmpty()) {
                throw new InvalidInputException(field + ".stop[" + i + "]", "must not be empty");
            }
        }
        return new GenerationSettings(temperature, maxNewTokens == 0 ? DEFAULT_MAX_NEW_TOKENS : maxNewTokens, topK,
                topP == 0 ? 1.0 : topP, stop, seed);
    }

    public static List<ChatTurn> messages(List<ChatTurn> messages, String field) {
        if (messages.isEmpty()) {
            throw new InvalidInputException(field, "at least one message is required");
        }
        for (int i = 0; i < messages.size(); i++) {
            if (!ROLES.contains(messages.get(i).role())) {
                throw new InvalidInputException(field + "[" + i + "].role",
                        "must be one of system, user, assistant; got '" + messages.get(i).role() + "'");
            }
        }
        return messages;
    }
}
