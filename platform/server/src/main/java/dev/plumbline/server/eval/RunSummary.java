package dev.plumbline.server.eval;

import dev.plumbline.engine.eval.CandidateResult;
import dev.plumbline.engine.eval.EvaluationReport;
import dev.plumbline.engine.eval.MetricResult;
import dev.plumbline.engine.stats.Battle;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What leaderboards need from a finished run: each candidate's metrics with intervals and the
 * pairwise battles. Stored as JSON next to the report.
 *
 * @param primaryMetric the suite's ranking metric
 * @param higherIsBetter per metric name
 */
public record RunSummary(
        String suiteId,
        int suiteVersion,
        String primaryMetric,
        Map<String, Boolean> higherIsBetter,
        List<CandidateSummary> candidates,
        List<BattleRow> battles) {

    /** One candidate's metrics by name (metrics without a value are left out). */
    public record CandidateSummary(String candidateId, Map<String, MetricSummary> metrics) {}

    /**
     * @param ciLow lower 95 % bound, {@code null} when undefined
     * @param count values that entered the estimate
     * @param failures judge failures excluded from it
     */
    public record MetricSummary(double value, Double ciLow, Double ciHigh, long count, long failures) {}

    /** One pairwise verdict: {@code outcome} is model A's score (1 win, 0.5 tie, 0 loss). */
    public record BattleRow(String modelA, String modelB, double outcome) {}

    public static RunSummary of(EvaluationReport report) {
        Map<String, Boolean> higher = new LinkedHashMap<>();
        List<CandidateSummary> candidates = report.candidates().stream().map(c -> candidate(c, higher)).toList();
        List<BattleRow> battles = report.battles().stream().map(b -> new BattleRow(b.modelA(), b.modelB(), b.outcome())).toList();
        var suite = report.manifest().suite();
        return new RunSummary(suite.id(), suite.version(), suite.primaryMetric(),
                higher, candidates, battles);
    }

    public List<Battle> battleList() {
        return battles.stream().map(b -> new Battle(b.modelA(), b.modelB(), b.outcome())).toList();
    }

    private static CandidateSummary candidate(CandidateResult c, Map<String, Boolean> higher) {
        Map<String, MetricSummary> metrics = new LinkedHashMap<>();
        for (MetricResult m : c.metrics()) {
            higher.put(m.name(), m.higherIsBetter());
            if (m.hasValue()) {
                var e = m.estimate();
                metrics.put(m.name(), new MetricSummary(e.value(), finite(e.interval().lower()), finite(e.interval().upper()),
                        m.scored(), m.unscored()));
            }
        }
        return new CandidateSummary(c.candidateId(), metrics);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
