package dev.plumbline.engine.eval;

import dev.plumbline.engine.stats.Estimate;
import java.util.List;
import java.util.Map;

/**
 * One metric of one candidate.
 *
 * @param estimate value with its interval and standard error; {@code null} when nothing could be
 *     scored (see {@code note})
 * @param intervalMethod how the interval was obtained (bootstrap over samples, over items clustered, …)
 * @param items items that contributed at least one value
 * @param scored values that entered the estimate
 * @param unscored failed verdicts excluded from the estimate (judge failures: never scored as 0)
 * @param generationFailures samples without a response, excluded
 * @param breakdown the same metric per {@code groupBy} group (empty when {@code groupBy} is NONE)
 * @param details extra numbers (win/loss/tie counts, GLM weights, EMT's std …)
 * @param note why the estimate is missing, or a caution; {@code ""} otherwise
 */
public record MetricResult(
        String name,
        String description,
        Suite.Aggregation aggregation,
        List<String> dimensions,
        Suite.Average average,
        Suite.GroupBy groupBy,
        boolean higherIsBetter,
        Estimate estimate,
        String intervalMethod,
        int items,
        long scored,
        long unscored,
        long generationFailures,
        Map<String, Estimate> breakdown,
        Map<String, Double> details,
        String note) {

    public MetricResult {
        dimensions = List.copyOf(dimensions);
        breakdown = Map.copyOf(breakdown);
        details = Map.copyOf(details);
        note = note == null ? "" : note;
    }

    public boolean hasValue() {
        return estimate != null;
    }
}
