package dev.plumbline.engine.eval;

import dev.plumbline.spi.ChatTurn;
import java.util.List;
import java.util.Map;

/**
 * Everything recorded about one sample: what was asked, what came back, and each dimension's
 * verdict. Records are what {@link SampleStore}s persist and reports are computed from.
 *
 * @param requestKey hash of everything that determines the responses (model identity, rendered
 *     turns, generation settings, sample index, seed); a stored record with another request key
 *     is stale and is regenerated
 * @param seed the seed this sample was generated with
 * @param messages the whole conversation: optional system, then user/assistant turns (choice
 *     items: the prompt only)
 * @param responses the assistant's text per user turn (choice items: the chosen option)
 * @param generationError non-empty when no response could be obtained; such a sample has no
 *     verdicts and is counted as a generation failure
 * @param dimensions verdicts by dimension name (only dimensions whose {@code where} matches the item)
 * @param completedAt ISO-8601 instant
 */
public record SampleRecord(
        SampleKey key,
        String subset,
        String category,
        String requestKey,
        long seed,
        List<ChatTurn> messages,
        List<String> responses,
        GenerationInfo generation,
        String generationError,
        Map<String, DimensionResult> dimensions,
        String completedAt) {

    public SampleRecord {
        messages = messages == null ? List.of() : List.copyOf(messages);
        responses = responses == null ? List.of() : List.copyOf(responses);
        generation = generation == null ? GenerationInfo.NONE : generation;
        generationError = generationError == null ? "" : generationError;
        dimensions = dimensions == null ? Map.of() : Map.copyOf(dimensions);
    }

    public boolean generated() {
        return generationError.isEmpty();
    }

    /** The response to a 1-based turn; {@code 0} = the last. */
    public String response(int turn) {
        if (responses.isEmpty()) {
            return "";
        }
        return turn <= 0 ? responses.get(responses.size() - 1) : responses.get(turn - 1);
    }
}
