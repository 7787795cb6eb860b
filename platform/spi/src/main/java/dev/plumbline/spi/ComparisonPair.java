package dev.plumbline.spi;

import java.util.List;

/** Two responses to one prompt for a pairwise judge. */
public record ComparisonPair(
        String id,
        String prompt,
        String responseA,
        String responseB,
        String reference,
        String category,
        List<ChatTurn> history) {

    public ComparisonPair {
        reference = reference == null ? "" : reference;
        category = category == null ? "" : category;
        history = history == null ? List.of() : List.copyOf(history);
    }
}
