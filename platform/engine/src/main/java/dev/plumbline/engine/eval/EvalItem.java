package dev.plumbline.engine.eval;

import java.util.List;
import java.util.Map;

/**
 * One prompt of a suite, after its dataset adapter has read it.
 *
 * @param id stable within the suite (e.g. {@code advbench-17}, {@code mtbench-81}); sample keys and
 *     precomputed responses refer to it
 * @param subset where it came from ({@code advbench}, {@code xstest}, {@code builtin}, a ToxiGen group …)
 * @param category the behaviour expected or the bait type ({@code harmful}, {@code benign}, {@code hate}, {@code writing} …)
 * @param turns the user turns, raw (the suite's template is applied to the first when rendering)
 * @param references a reference answer per turn, {@code ""} when none
 * @param baseline the baseline response pairwise dimensions compare with ({@code ""} when none)
 * @param baselineModel who wrote the baseline (e.g. {@code gpt4_1106_preview})
 * @param choice the two options of a choice item, {@code null} otherwise
 * @param origin {@code file:line} the item was read from
 */
public record EvalItem(
        String id,
        String subset,
        String category,
        List<String> turns,
        List<String> references,
        String baseline,
        String baselineModel,
        ChoiceItem choice,
        Map<String, String> metadata,
        String origin) {

    public EvalItem {
        turns = List.copyOf(turns);
        references = List.copyOf(references);
        baseline = baseline == null ? "" : baseline;
        baselineModel = baselineModel == null ? "" : baselineModel;
        metadata = Map.copyOf(metadata);
        if (turns.isEmpty()) {
            throw new IllegalArgumentException("item " + id + " has no turns");
        }
        if (references.size() != turns.size()) {
            throw new IllegalArgumentException("item " + id + ": one reference per turn");
        }
    }

    /** The reference for a 1-based turn. */
    public String reference(int turn) {
        return references.get(turn - 1);
    }

    /**
     * A two-way choice: the truthful answer and the best incorrect one.
     *
     * @param question shown to the model
     */
    public record ChoiceItem(String question, String correct, String incorrect) {}
}
