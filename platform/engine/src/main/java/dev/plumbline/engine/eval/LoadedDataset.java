package dev.plumbline.engine.eval;

import java.util.List;

/**
 * The items a run evaluates.
 *
 * @param builtin whether the project-written set was used (otherwise the external files)
 * @param reason why this set was chosen, e.g. {@code "datasets dir lacks advbench/harmful_behaviors.first80.csv"}
 * @param limit the per-run item limit applied ({@code 0} = none)
 */
public record LoadedDataset(List<EvalItem> items, boolean builtin, String reason, List<DataFile> files, int limit) {

    public LoadedDataset {
        items = List.copyOf(items);
        files = List.copyOf(files);
    }
}
