package dev.plumbline.spi;

import java.util.List;
import java.util.Map;

/**
 * What a judge scores.
 *
 * @param category selects the ideal behaviour, e.g. {@code harmful} or {@code benign}; may be empty
 * @param history earlier turns when the prompt is the last turn of a conversation
 */
public record JudgeSample(
        String id,
        String prompt,
        String response,
        String category,
        String reference,
        List<ChatTurn> history,
        Map<String, String> metadata) {

    public JudgeSample {
        category = category == null ? "" : category;
        reference = reference == null ? "" : reference;
        history = history == null ? List.of() : List.copyOf(history);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    public static JudgeSample of(String id, String prompt, String response) {
        return new JudgeSample(id, prompt, response, "", "", List.of(), Map.of());
    }
}
