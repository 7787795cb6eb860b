package dev.plumbline.server.leaderboard;

import dev.plumbline.server.eval.RunSummary.MetricSummary;
import java.util.List;
import java.util.Map;

/**
 * A ranking of models on one suite (or overall, {@code suite} empty).
 *
 * @param metric what ranks the entries: a metric name, {@code rating} (Bradley–Terry) or, overall, {@link #OVERALL_METRIC}
 * @param winRateModels row/column order of {@code winRates} (empty when the suite has no pairwise results)
 * @param winRates {@code winRates[i][j]} = P(model i beats model j) from the battles; NaN where they never met
 */
public record Leaderboard(
        String suite,
        String metric,
        boolean higherIsBetter,
        List<Entry> entries,
        List<String> winRateModels,
        double[][] winRates) {

    /** Overall ranking score: mean over suites of the share of other models a model is ranked above. */
    public static final String OVERALL_METRIC = "suite_rank_score";
    public static final String RATING = "rating";

    public Leaderboard {
        entries = List.copyOf(entries);
        winRateModels = List.copyOf(winRateModels);
    }

    /**
     * One model.
     *
     * @param rank shared by models whose intervals overlap; {@code 0} when the model has no value for the ranking metric
     * @param rating Bradley–Terry rating and its bootstrap interval; {@code null} without pairwise results
     * @param metrics the model's metrics (overall: {@code <suite>/<metric>} of every suite's ranking metric)
     * @param runIds evaluation runs the numbers come from
     */
    public record Entry(int rank, String model, Double rating, Double ratingCiLow, Double ratingCiHigh,
            Map<String, MetricSummary> metrics, List<String> runIds) {

        public Entry {
            metrics = Map.copyOf(metrics);
            runIds = List.copyOf(runIds);
        }

        public MetricSummary metric(String name) {
            return metrics.get(name);
        }
    }
}
