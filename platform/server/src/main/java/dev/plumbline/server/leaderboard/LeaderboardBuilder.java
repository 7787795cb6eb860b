package dev.plumbline.server.leaderboard;

import dev.plumbline.engine.eval.SuiteLoader;
import dev.plumbline.engine.stats.Battle;
import dev.plumbline.engine.stats.BradleyTerry;
import dev.plumbline.engine.stats.Rating;
import dev.plumbline.engine.stats.WinRates;
import dev.plumbline.server.config.PlumblineConfig;
import dev.plumbline.server.eval.EvaluationStorage;
import dev.plumbline.server.eval.EvaluationStorage.StoredSummary;
import dev.plumbline.server.eval.RunSummary;
import dev.plumbline.server.eval.RunSummary.MetricSummary;
import dev.plumbline.spi.InvalidInputException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds leaderboards from the summaries of succeeded evaluation runs: per suite each candidate's
 * latest run, ranked by confidence-interval separation on the chosen metric (or by Bradley–Terry
 * rating with bootstrap intervals when the suite judged pairs), and an overall board across suites.
 */
@ApplicationScoped
public class LeaderboardBuilder {

    private final EvaluationStorage storage;
    private final int bootstrapRounds;

    public LeaderboardBuilder(EvaluationStorage storage, PlumblineConfig config) {
        this.storage = storage;
        this.bootstrapRounds = config.evaluation().bootstrapRounds();
    }

    /** {@code suite} empty: the overall board; {@code metric} empty: the suite's primary metric (rating when it judged pairs). */
    public Leaderboard build(String suite, String metric) {
        if (suite == null || suite.isBlank()) {
            if (metric != null && !metric.isBlank() && !metric.equals(Leaderboard.OVERALL_METRIC)) {
                throw new InvalidInputException("metric", "the overall leaderboard ranks by " + Leaderboard.OVERALL_METRIC
                        + "; pick a suite to rank by '" + metric + "'");
            }
            return overall();
        }
        return forSuite(suite, metric == null ? "" : metric, storage.successfulSummaries(suite));
    }

    /** Suites with at least one succeeded run, in built-in order then alphabetical. */
    public List<String> suites() {
        Set<String> present = new TreeSet<>();
        storage.successfulSummaries(null).forEach(s -> present.add(s.suiteId()));
        List<String> out = new ArrayList<>();
        SuiteLoader.BUILTIN.stream().filter(present::contains).forEach(out::add);
        present.stream().filter(s -> !out.contains(s)).forEach(out::add);
        return out;
    }

    private record Contribution(String runId, RunSummary summary, RunSummary.CandidateSummary candidate) {}

    private Leaderboard forSuite(String suite, String metric, List<StoredSummary> runsNewestFirst) {
        if (runsNewestFirst.isEmpty()) {
            if (!SuiteLoader.BUILTIN.contains(suite)) {
                throw new InvalidInputException("suite", "no succeeded evaluation run of suite '" + suite + "'; built-in: "
                        + String.join(", ", SuiteLoader.BUILTIN));
            }
            String primary = SuiteLoader.builtin(suite).primaryMetric();
            return new Leaderboard(suite, metric.isEmpty() ? primary : metric, true, List.of(), List.of(), new double[0][]);
        }
        Map<String, Contribution> latest = new LinkedHashMap<>();
        for (StoredSummary s : runsNewestFirst) {
            for (RunSummary.CandidateSummary c : s.summary().candidates()) {
                latest.putIfAbsent(c.candidateId(), new Contribution(s.runId(), s.summary(), c));
            }
        }
        // Battles of each candidate from the run its row comes from.
        List<Battle> battles = new ArrayList<>();
        for (Contribution c : latest.values()) {
            for (Battle b : c.summary().battleList()) {
                if (b.modelA().equals(c.candidate().candidateId())) {
                    battles.add(b);
                }
            }
        }
        RunSummary newest = runsNewestFirst.get(0).summary();
        Map<String, Boolean> higher = new LinkedHashMap<>();
        runsNewestFirst.forEach(s -> s.summary().higherIsBetter().forEach(higher::putIfAbsent));
        String ranking = metric.isEmpty() ? (battles.isEmpty() ? newest.primaryMetric() : Leaderboard.RATING) : metric;
        if (ranking.equals(Leaderboard.RATING) && battles.isEmpty()) {
            throw new InvalidInputException("metric", "suite '" + suite + "' has no pairwise results to rate");
        }
        if (!ranking.equals(Leaderboard.RATING) && !higher.containsKey(ranking)) {
            throw new InvalidInputException("metric", "suite '" + suite + "' has no metric '" + ranking + "'; metrics: "
                    + String.join(", ", higher.keySet()) + (battles.isEmpty() ? "" : ", rating"));
        }

        Map<String, Rating> ratings = new LinkedHashMap<>();
        if (!battles.isEmpty()) {
            for (Rating r : new BradleyTerry().bootstrap(battles, bootstrapRounds, 0L, 0.95)) {
                ratings.put(r.model(), r);
            }
        }
        Set<String> models = new LinkedHashSet<>(latest.keySet());
        models.addAll(ratings.keySet()); // baselines rated from the battles
        boolean higherIsBetter = ranking.equals(Leaderboard.RATING) || higher.get(ranking);

        Map<String, MetricSummary> rankingValues = new LinkedHashMap<>();
        for (String m : models) {
            if (ranking.equals(Leaderboard.RATING)) {
                Rating r = ratings.get(m);
                if (r != null) {
                    rankingValues.put(m, new MetricSummary(r.rating(), r.ciLow(), r.ciHigh(), 0, 0));
                }
            } else if (latest.containsKey(m) && latest.get(m).candidate().metrics().containsKey(ranking)) {
                rankingValues.put(m, latest.get(m).candidate().metrics().get(ranking));
            }
        }
        Map<String, Integer> ranks = separationRanks(rankingValues, higherIsBetter);

        List<Leaderboard.Entry> entries = new ArrayList<>();
        for (String m : models) {
            Contribution c = latest.get(m);
            Rating r = ratings.get(m);
            entries.add(new Leaderboard.Entry(ranks.getOrDefault(m, 0), m, r == null ? null : r.rating(),
                    r == null ? null : r.ciLow(), r == null ? null : r.ciHigh(),
                    c == null ? Map.of() : c.candidate().metrics(), c == null ? List.of() : List.of(c.runId())));
        }
        entries.sort(byRankThenValue(rankingValues, higherIsBetter));

        List<String> order = new ArrayList<>();
        double[][] winRates = new double[0][];
        if (!battles.isEmpty()) {
            WinRates.Matrix matrix = WinRates.matrix(battles);
            entries.stream().map(Leaderboard.Entry::model).filter(matrix.models()::contains).forEach(order::add);
            winRates = new double[order.size()][order.size()];
            for (int i = 0; i < order.size(); i++) {
                for (int j = 0; j < order.size(); j++) {
                    winRates[i][j] = i == j || matrix.battles(order.get(i), order.get(j)) == 0 ? Double.NaN
                            : matrix.winRate(order.get(i), order.get(j));
                }
            }
        }
        return new Leaderboard(suite, ranking, higherIsBetter, entries, order, winRates);
    }

    private Leaderboard overall() {
        Map<String, Map<String, MetricSummary>> metrics = new LinkedHashMap<>();
        Map<String, Set<String>> runIds = new LinkedHashMap<>();
        Map<String, List<Double>> scores = new LinkedHashMap<>();
        for (String suite : suites()) {
            Leaderboard board = forSuite(suite, "", storage.successfulSummaries(suite));
            List<Leaderboard.Entry> ranked = board.entries().stream().filter(e -> e.rank() > 0 && !e.runIds().isEmpty()).toList();
            for (Leaderboard.Entry e : ranked) {
                MetricSummary value = board.metric().equals(Leaderboard.RATING)
                        ? new MetricSummary(e.rating(), e.ratingCiLow(), e.ratingCiHigh(), 0, 0) : e.metric(board.metric());
                metrics.computeIfAbsent(e.model(), k -> new LinkedHashMap<>()).put(suite + "/" + board.metric(), value);
                runIds.computeIfAbsent(e.model(), k -> new LinkedHashSet<>()).addAll(e.runIds());
                long beaten = ranked.stream().filter(o -> o.rank() > e.rank()).count();
                double score = ranked.size() == 1 ? 1.0 : (double) beaten / (ranked.size() - 1);
                scores.computeIfAbsent(e.model(), k -> new ArrayList<>()).add(score);
            }
        }
        Map<String, MetricSummary> overallScore = new LinkedHashMap<>();
        scores.forEach((model, s) -> overallScore.put(model,
                new MetricSummary(s.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN), null, null, s.size(), 0)));
        Map<String, Integer> ranks = separationRanks(overallScore, true);
        List<Leaderboard.Entry> entries = new ArrayList<>();
        for (String model : metrics.keySet()) {
            Map<String, MetricSummary> m = new LinkedHashMap<>(metrics.get(model));
            m.put(Leaderboard.OVERALL_METRIC, overallScore.get(model));
            entries.add(new Leaderboard.Entry(ranks.get(model), model, null, null, null, m, List.copyOf(runIds.get(model))));
        }
        entries.sort(byRankThenValue(overallScore, true));
        return new Leaderboard("", Leaderboard.OVERALL_METRIC, true, entries, List.of(), new double[0][]);
    }

    /**
     * 1 + the number of models whose interval lies entirely on the better side (a point value when
     * there is no interval), so models with overlapping intervals share a rank.
     */
    static Map<String, Integer> separationRanks(Map<String, MetricSummary> values, boolean higherIsBetter) {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        for (var e : values.entrySet()) {
            int better = 0;
            for (var o : values.entrySet()) {
                if (o.getKey().equals(e.getKey())) {
                    continue;
                }
                if (higherIsBetter ? low(o.getValue()) > high(e.getValue()) : high(o.getValue()) < low(e.getValue())) {
                    better++;
                }
            }
            ranks.put(e.getKey(), 1 + better);
        }
        return ranks;
    }

    private static double low(MetricSummary m) {
        return m.ciLow() == null ? m.value() : m.ciLow();
    }

    private static double high(MetricSummary m) {
        return m.ciHigh() == null ? m.value() : m.ciHigh();
    }

    private static Comparator<Leaderboard.Entry> byRankThenValue(Map<String, MetricSummary> values, boolean higherIsBetter) {
        return Comparator.<Leaderboard.Entry>comparingInt(e -> e.rank() == 0 ? Integer.MAX_VALUE : e.rank())
                .thenComparingDouble(e -> {
                    MetricSummary m = values.get(e.model());
                    return m == null ? Double.POSITIVE_INFINITY : higherIsBetter ? -m.value() : m.value();
                })
                .thenComparing(Leaderboard.Entry::model);
    }
}
