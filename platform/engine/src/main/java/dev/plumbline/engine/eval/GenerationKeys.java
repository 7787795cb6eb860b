package dev.plumbline.engine.eval;

import dev.plumbline.engine.util.Hashes;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.GenerationSettings;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keys and seeds derived from what determines a generation. Inputs are serialised as canonical
 * JSON (fixed field order) and hashed with SHA-256, so equal inputs give equal keys across runs
 * and machines, and any difference — another model, endpoint, checkpoint, message, setting,
 * sample index or seed — gives another key.
 */
public final class GenerationKeys {

    private GenerationKeys() {}

    /** Cache key of one model call: identity + the full messages sent + settings + sample index. */
    public static String callKey(ModelIdentity identity, List<ChatTurn> messages, GenerationSettings settings, int sampleIndex) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", "plumbline-generation/v1");
        m.put("model", identity.fingerprint());
        m.put("messages", turns(messages));
        m.put("settings", settings(settings));
        m.put("sample_index", sampleIndex);
        return Hashes.sha256(EvalJson.write(m));
    }

    /**
     * Key of a whole sample's request, computable before anything is generated: identity, the
     * rendered first messages, the later user turns, the choice options (choice items), settings
     * and sample index. A stored record with another request key is stale.
     */
    public static String requestKey(ModelIdentity identity, List<ChatTurn> firstMessages, List<String> laterTurns,
            List<String> choiceCompletions, GenerationSettings settings, int sampleIndex) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", "plumbline-request/v1");
        m.put("model", identity.fingerprint());
        m.put("messages", turns(firstMessages));
        m.put("later_turns", laterTurns);
        m.put("choices", choiceCompletions);
        m.put("settings", settings(settings));
        m.put("sample_index", sampleIndex);
        return Hashes.sha256(EvalJson.write(m));
    }

    /**
     * Request key of a precomputed sample: the rendered prompt and the row's responses (not the
     * whole file's hash), so editing or adding rows only redoes the samples they touch.
     *
     * @param responses the row's responses, or {@code null} when the file has no row for the sample
     */
    public static String responsesKey(String candidateId, List<ChatTurn> firstMessages, List<String> laterTurns,
            List<String> responses, int sampleIndex) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", "plumbline-responses/v1");
        m.put("candidate", candidateId);
        m.put("messages", turns(firstMessages));
        m.put("later_turns", laterTurns);
        m.put("responses", responses);
        m.put("sample_index", sampleIndex);
        return Hashes.sha256(EvalJson.write(m));
    }

    /**
     * The seed of one sample: derived from the suite seed, candidate, item and sample index, in
     * [0, 2^31) because some OpenAI-compatible servers reject larger seeds.
     */
    public static long sampleSeed(long suiteSeed, String candidateId, String itemId, int sampleIndex) {
        return derive("sample", suiteSeed, candidateId, itemId, Integer.toString(sampleIndex));
    }

    /** Whether an item's choice options are presented swapped (same for every candidate, so they see the same prompt). */
    public static boolean choiceSwapped(long suiteSeed, String itemId) {
        return (derive("choice-order", suiteSeed, itemId) & 1) == 1;
    }

    private static long derive(String purpose, long seed, String... parts) {
        StringBuilder sb = new StringBuilder("plumbline-seed/v1\u0000").append(purpose).append('\u0000').append(seed);
        for (String p : parts) {
            sb.append('\u0000').append(p);
        }
        byte[] digest = java.util.HexFormat.of().parseHex(Hashes.sha256(sb.toString()));
        return ByteBuffer.wrap(digest).getLong() & 0x7fff_ffffL;
    }

    private static List<Map<String, String>> turns(List<ChatTurn> messages) {
        List<Map<String, String>> out = new ArrayList<>();
        for (ChatTurn t : messages) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("role", t.role());
            m.put("content", t.content());
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> settings(GenerationSettings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("temperature", s.temperature());
        m.put("max_new_tokens", s.maxNewTokens());
        m.put("top_k", s.topK());
        m.put("top_p", s.topP());
        m.put("stop", s.stop());
        m.put("seed", s.seed());
        return m;
    }
}
