package dev.plumbline.engine.eval;

import dev.plumbline.engine.stats.Bootstrap;
import dev.plumbline.engine.stats.Estimate;
import dev.plumbline.engine.stats.LengthControlledWinRate;
import dev.plumbline.engine.stats.ToxicityAggregates;
import dev.plumbline.engine.util.Hashes;
import dev.plumbline.spi.Preference;
import dev.plumbline.spi.Provenance;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Turns sample records into metrics with intervals (all statistics come from {@code engine.stats}). */
final class ReportBuilder {

    private ReportBuilder() {}

    static EvaluationReport build(EvaluationPlan plan, List<SampleRecord> records, RunOptions options, String codeVersion,
            String startedAt, String finishedAt, boolean complete) {
        Map<String, List<SampleRecord>> byCandidate = new LinkedHashMap<>();
        plan.candidates().forEach(c -> byCandidate.put(c.id(), new ArrayList<>()));
        for (SampleRecord r : records) {
            List<SampleRecord> list = byCandidate.get(r.key().candidateId());
            if (list != null) {
                list.add(r);
            }
        }
        List<CandidateResult> results = new ArrayList<>();
        for (EvaluationPlan.PlannedCandidate c : plan.candidates()) {
            results.add(candidate(plan, c, byCandidate.get(c.id()), options));
        }
        Suite.Metric primary = plan.suite().primary();
        List<Ranking> ranking = rank(results, primary);
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < ranking.size(); i++) {
            position.put(ranking.get(i).candidateId(), i);
        }
        results.sort(Comparator.comparingInt(c -> position.get(c.candidateId())));
        return new EvaluationReport(manifest(plan, records, options, codeVersion, startedAt, finishedAt, complete), results,
                ranking, records);
    }

    /** Best first on the primary metric; rank by interval separation. */
    static List<Ranking> rank(List<CandidateResult> results, Suite.Metric primary) {
        List<Ranking> out = new ArrayList<>();
        for (CandidateResult c : results) {
            Estimate e = c.metric(primary.name()).map(MetricResult::estimate).orElse(null);
            int rank = 0;
            if (e != null) {
                rank = 1;
                for (CandidateResult other : results) {
                    Estimate o = other.metric(primary.name()).map(MetricResult::estimate).orElse(null);
                    if (o != null && other != c && (primary.higherIsBetter()
                            ? o.interval().lower() > e.interval().upper()
                            : o.interval().upper() < e.interval().lower())) {
                        rank++;
                    }
                }
            }
            out.add(new Ranking(c.candidateId(), rank, e));
        }
        Comparator<Ranking> byValue = Comparator.comparingDouble(r -> primary.higherIsBetter() ? -r.primary().value() : r.primary().value());
        out.sort(Comparator.comparing((Ranking r) -> r.primary() == null)
                .thenComparing((a, b) -> a.primary() == null || b.primary() == null ? 0 : byValue.compare(a, b))
                .thenComparing(Ranking::candidateId));
        return out;
    }

    static CandidateResult candidate(EvaluationPlan plan, EvaluationPlan.PlannedCandidate c, List<SampleRecord> records,
            RunOptions options) {
        Map<String, EvalItem> items = new HashMap<>();
        plan.dataset().items().forEach(i -> items.put(i.id(), i));
        List<SampleRecord> mine = records.stream().filter(r -> items.containsKey(r.key().itemId())).toList();
        List<MetricResult> metrics = new ArrayList<>();
        for (Suite.Metric m : plan.suite().metrics()) {
            metrics.add(new MetricComputation(plan.suite(), m, items, mine, options).compute());
        }
        int generationFailures = (int) mine.stream().filter(r -> !r.generated()).count();
        Map<String, Integer> judged = new TreeMap<>();
        Map<String, Integer> failures = new TreeMap<>();
        for (Suite.Dimension d : plan.suite().dimensions()) {
            judged.put(d.name(), 0);
            failures.put(d.name(), 0);
        }
        for (SampleRecord r : mine) {
            r.dimensions().forEach((name, d) -> {
                if (judged.containsKey(name)) {
                    (d.valid() ? judged : failures).merge(name, 1, Integer::sum);
                }
            });
        }
        return new CandidateResult(c.id(), c.identity(), metrics, plan.samplesPerCandidate(), mine.size(), generationFailures,
                judged, failures);
    }

    // ------------------------------------------------------------------------------------------ manifest

    private static RunManifest manifest(EvaluationPlan plan, List<SampleRecord> records, RunOptions options, String codeVersion,
            String startedAt, String finishedAt, boolean complete) {
        Suite s = plan.suite();
        RunManifest.SuiteInfo suite = new RunManifest.SuiteInfo(s.id(), s.version(), s.sha256(), s.source(), s.description(),
                s.task().name().toLowerCase(java.util.Locale.ROOT), s.primaryMetric());
        LoadedDataset d = plan.dataset();
        RunManifest.DatasetInfo dataset = new RunManifest.DatasetInfo(d.builtin(), d.reason(), d.items().size(), d.limit(), d.files());
        RunManifest.PromptInfo prompt = new RunManifest.PromptInfo(s.prompt().system(), s.prompt().template(),
                s.prompt().system().isEmpty() ? "" : Hashes.sha256(s.prompt().system()), Hashes.sha256(s.prompt().template()),
                s.choice() == null ? "" : s.choice().completions().name().toLowerCase(java.util.Locale.ROOT));
        List<RunManifest.CandidateInfo> candidates = new ArrayList<>();
        for (EvaluationPlan.PlannedCandidate c : plan.candidates()) {
            String source = c.spec() instanceof CandidateSpec.Model m ? m.model() : ((CandidateSpec.Responses) c.spec()).file().toString();
            candidates.add(new RunManifest.CandidateInfo(c.id(), c.identity().kind(), source, c.identity(),
                    c.identity().fingerprint(), c.matchedItems()));
        }
        Map<String, Set<String>> observed = new HashMap<>();
        for (SampleRecord r : records) {
            r.dimensions().forEach((name, dr) -> {
                Provenance p = dr.provenance();
                if (p != null) {
                    observed.computeIfAbsent(name, k -> new LinkedHashSet<>()).add("version=" + nullToEmpty(p.judgeVersion())
                            + " rubric_sha256=" + nullToEmpty(p.rubricHash()) + " model=" + nullToEmpty(p.model()));
                }
            });
        }
        List<RunManifest.JudgeInfo> judges = new ArrayList<>();
        for (EvaluationPlan.PlannedDimension pd : plan.dimensions()) {
            Suite.Dimension dim = pd.spec();
            judges.add(new RunManifest.JudgeInfo(dim.name(), dim.kind().name().toLowerCase(java.util.Locale.ROOT), pd.judgeId(),
                    pd.judgeVersion(), new TreeMap<>(pd.parameters()), dim.value(), dim.turn(), pd.configHash(),
                    List.copyOf(observed.getOrDefault(dim.name(), Set.of()))));
        }
        RunManifest.Seeds seeds = new RunManifest.Seeds(s.generation().seed(),
                "sample seed = first 31 bits of SHA-256(\"plumbline-seed/v1\", \"sample\", suite seed, candidate id, item id, "
                        + "sample index); choice order = low bit of SHA-256(..., \"choice-order\", suite seed, item id)",
                options.bootstrapRounds(), options.bootstrapSeed(), options.confidenceLevel());
        return new RunManifest(RunManifest.SCHEMA, suite, dataset, prompt, s.generation(), candidates, judges, seeds, codeVersion,
                System.getProperty("java.vendor") + " " + System.getProperty("java.version"), startedAt, finishedAt, complete,
                options.generationParallelism(), options.judgeParallelism());
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    // ------------------------------------------------------------------------------------------ metrics

    /** One metric over one candidate's records. */
    private static final class MetricComputation {

        private final Suite suite;
        private final Suite.Metric metric;
        private final Map<String, EvalItem> items;
        private final List<SampleRecord> records;
        private final RunOptions options;
        private long unscored;
        private long generationFailures;

        MetricComputation(Suite suite, Suite.Metric metric, Map<String, EvalItem> items, List<SampleRecord> records,
                RunOptions options) {
            this.suite = suite;
            this.metric = metric;
            this.items = items;
            this.records = records;
            this.options = options;
        }

        /** One value that enters a metric: its item (cluster) and group. */
        private record Point(String item, String group, double value, SampleRecord record, DimensionResult result) {}

        MetricResult compute() {
            List<Point> points = collect();
            Map<String, Double> details = new TreeMap<>();
            Estimate estimate = null;
            String method = "";
            String note = "";
            Map<String, Estimate> breakdown = new TreeMap<>();
            try {
                if (!points.isEmpty()) {
                    switch (metric.aggregation()) {
                        case EXPECTED_MAX, PROBABILITY_ANY -> {
                            estimate = toxicity(points, details);
                            method = "percentile bootstrap over items of the per-item " + (metric.aggregation() == Suite.Aggregation.EXPECTED_MAX
                                    ? "maximum" : "any-toxic indicator") + " (ToxicityAggregates)";
                            for (Map.Entry<String, List<Point>> g : groups(points).entrySet()) {
                                breakdown.put(g.getKey(), toxicity(g.getValue(), new TreeMap<>()));
                            }
                        }
                        case LC_WIN_RATE -> {
                            estimate = lengthControlled(points, details);
                            method = "percentile bootstrap over instructions, refitting the length GLM each round (LengthControlledWinRate)";
                        }
                        default -> {
                            if (metric.average() == Suite.Average.MACRO) {
                                estimate = macro(points);
                                method = "stratified percentile bootstrap within " + metric.groupBy().name().toLowerCase(java.util.Locale.ROOT)
                                        + " groups over item means (Bootstrap.macroMean)";
                            } else {
                                estimate = micro(points);
                                method = clustered(points) ? "percentile bootstrap over items, clustered (several values per item)"
                                        : "percentile bootstrap over samples";
                            }
                            for (Map.Entry<String, List<Point>> g : groups(points).entrySet()) {
                                breakdown.put(g.getKey(), micro(g.getValue()));
                            }
                            pairwiseDetails(points, details);
                        }
                    }
                } else {
                    note = "no scored samples" + (unscored + generationFailures > 0
                            ? " (" + unscored + " failed verdicts, " + generationFailures + " generation failures)"
                            : " (no item of this run matches the metric)");
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                estimate = null;
                note = "cannot aggregate: " + e.getMessage();
            }
            if (estimate != null && options.bootstrapRounds() > 0) {
                method += " (" + options.bootstrapRounds() + " rounds, seed " + options.bootstrapSeed() + ")";
            }
            Set<String> distinctItems = new LinkedHashSet<>();
            points.forEach(p -> distinctItems.add(p.item()));
            if (metric.groupBy() == Suite.GroupBy.NONE) {
                breakdown.clear();
            }
            return new MetricResult(metric.name(), metric.description(), metric.aggregation(), metric.dimensions(),
                    metric.average(), metric.groupBy(), metric.higherIsBetter(), estimate, method, distinctItems.size(),
                    points.size(), unscored, generationFailures, breakdown, details, note);
        }

        /** The metric's values, failures counted and left out. */
        private List<Point> collect() {
            List<Point> out = new ArrayList<>();
            for (SampleRecord r : records) {
                EvalItem item = items.get(r.key().itemId());
                if (!metric.where().matches(item)) {
                    continue;
                }
                if (!r.generated()) {
                    generationFailures++;
                    continue;
                }
                String group = metric.groupBy().of(item);
                if (metric.aggregation() == Suite.Aggregation.MEAN_LENGTH) {
                    lengthPoint(r, item, group).ifPresent(out::add);
                    continue;
                }
                for (String dimName : metric.dimensions()) {
                    DimensionResult d = r.dimensions().get(dimName);
                    Suite.Dimension dim = suite.dimension(dimName).orElseThrow();
                    if (!dim.where().matches(item)) {
                        continue;
                    }
                    if (d == null || !d.valid()) {
                        // Missing (not yet judged after a cancel) or failed: excluded and counted.
                        unscored++;
                        continue;
                    }
                    double v = switch (metric.aggregation()) {
                        case WIN_RATE_ADJUSTED -> outcome(d.pairwise().preference());
                        case POSITION_CONSISTENCY -> d.pairwise().positionConsistent() ? 1.0 : 0.0;
                        default -> metric.indicator() == null ? d.value() : metric.indicator().apply(d.value());
                    };
                    out.add(new Point(item.id(), group, v, r, d));
                }
            }
            return out;
        }

        private java.util.Optional<Point> lengthPoint(SampleRecord r, EvalItem item, String group) {
            int turn = 0;
            if (!metric.dimensions().isEmpty()) {
                Suite.Dimension dim = suite.dimension(metric.dimensions().get(0)).orElseThrow();
                if (!dim.where().matches(item)) {
                    return java.util.Optional.empty();
                }
                turn = dim.turn();
            }
            if (turn > r.responses().size()) {
                return java.util.Optional.empty();
            }
            String text = metric.baselineLength() ? item.baseline() : r.response(turn);
            return java.util.Optional.of(new Point(item.id(), group, LengthControlledWinRate.length(text), r, null));
        }

        private static double outcome(Preference p) {
            return p == Preference.A ? 1.0 : p == Preference.B ? 0.0 : 0.5;
        }

        private Map<String, List<Point>> groups(List<Point> points) {
            Map<String, List<Point>> out = new TreeMap<>();
            if (metric.groupBy() != Suite.GroupBy.NONE) {
                for (Point p : points) {
                    out.computeIfAbsent(p.group(), k -> new ArrayList<>()).add(p);
                }
            }
            return out;
        }

        private static boolean clustered(List<Point> points) {
            Set<String> seen = new java.util.HashSet<>();
            for (Point p : points) {
                if (!seen.add(p.item())) {
                    return true;
                }
            }
            return false;
        }

        /** Pooled mean; clustered by item when an item contributes several values (k samples, several turns). */
        private Estimate micro(List<Point> points) {
            double[] values = points.stream().mapToDouble(Point::value).toArray();
            if (clustered(points)) {
                String[] clusters = points.stream().map(Point::item).toArray(String[]::new);
                return Bootstrap.clusteredMean(values, clusters, options.bootstrapRounds(), options.bootstrapSeed(),
                        options.confidenceLevel());
            }
            return Bootstrap.mean(values, options.bootstrapRounds(), options.bootstrapSeed(), options.confidenceLevel());
        }

        /** Mean of group means; each item first reduced to its mean so k samples do not pose as k items. */
        private Estimate macro(List<Point> points) {
            Map<String, double[]> sums = new LinkedHashMap<>();
            Map<String, String> groupOf = new LinkedHashMap<>();
            for (Point p : points) {
                double[] acc = sums.computeIfAbsent(p.item(), k -> new double[2]);
                acc[0] += p.value();
                acc[1]++;
                groupOf.put(p.item(), p.group());
            }
            double[] values = new double[sums.size()];
            String[] groups = new String[sums.size()];
            int i = 0;
            for (Map.Entry<String, double[]> e : sums.entrySet()) {
                values[i] = e.getValue()[0] / e.getValue()[1];
                groups[i++] = groupOf.get(e.getKey());
            }
            Estimate e = Bootstrap.macroMean(values, groups, options.bootstrapRounds(), options.bootstrapSeed(),
                    options.confidenceLevel());
            // n counts the scores that entered, not the item means.
            return new Estimate(e.value(), e.interval(), points.size(), e.standardError());
        }

        private Estimate toxicity(List<Point> points, Map<String, Double> details) {
            Map<String, List<Double>> perItem = new LinkedHashMap<>();
            for (Point p : points) {
                perItem.computeIfAbsent(p.item(), k -> new ArrayList<>()).add(p.value());
            }
            ToxicityAggregates.Result r = ToxicityAggregates.compute(new ArrayList<>(perItem.values()), metric.threshold(),
                    options.bootstrapRounds(), options.bootstrapSeed(), options.confidenceLevel());
            details.put("maximum_toxicity_std", r.maximumToxicityStd());
            details.put("mean_toxicity", r.meanToxicity().value());
            details.put("toxic_rate", r.toxicRate().value());
            details.put("threshold", r.threshold());
            details.put("min_samples_per_item", (double) r.minSamplesPerPrompt());
            details.put("max_samples_per_item", (double) r.maxSamplesPerPrompt());
            return metric.aggregation() == Suite.Aggregation.EXPECTED_MAX ? r.expectedMaximumToxicity() : r.toxicityProbability();
        }

        /** LC win rate; failed verdicts enter as unscored observations, as AlpacaEval keeps them for the length scale. */
        private Estimate lengthControlled(List<Point> points, Map<String, Double> details) {
            List<LengthControlledWinRate.Observation> obs = new ArrayList<>();
            String dimName = metric.dimensions().get(0);
            Suite.Dimension dim = suite.dimension(dimName).orElseThrow();
            for (SampleRecord r : records) {
                EvalItem item = items.get(r.key().itemId());
                if (!metric.where().matches(item) || !dim.where().matches(item) || !r.generated()
                        || dim.turn() > r.responses().size()) {
                    continue;
                }
                DimensionResult d = r.dimensions().get(dimName);
                double p = d != null && d.valid() ? d.value() : Double.NaN;
                obs.add(LengthControlledWinRate.Observation.of(item.id(), p,
                        LengthControlledWinRate.length(r.response(dim.turn())), LengthControlledWinRate.length(item.baseline())));
            }
            LengthControlledWinRate.Result r = LengthControlledWinRate.compute(obs, LengthControlledWinRate.Options.defaults()
                    .withBootstrap(options.bootstrapRounds(), options.bootstrapSeed(), options.confidenceLevel()));
            details.put("raw_win_rate", r.raw().winRate());
            details.put("length_coefficient", r.weights().lengthCoefficient());
            details.put("strength", r.weights().strength());
            details.put("extreme_change", r.extremeChange() ? 1.0 : 0.0);
            details.put("instruction_difficulty_used", 0.0);
            long scored = obs.stream().filter(o -> !Double.isNaN(o.preference())).count();
            return new Estimate(r.lengthControlledWinRate(), r.lcInterval(), scored, r.lcStandardError());
        }

        private void pairwiseDetails(List<Point> points, Map<String, Double> details) {
            if (metric.aggregation() != Suite.Aggregation.WIN_RATE && metric.aggregation() != Suite.Aggregation.WIN_RATE_ADJUSTED) {
                return;
            }
            long wins = 0;
            long losses = 0;
            long ties = 0;
            long consistent = 0;
            for (Point p : points) {
                Preference pref = p.result().pairwise().preference();
                if (pref == Preference.A) {
                    wins++;
                } else if (pref == Preference.B) {
                    losses++;
                } else {
                    ties++;
                }
                consistent += p.result().pairwise().positionConsistent() ? 1 : 0;
            }
            details.put("wins", (double) wins);
            details.put("losses", (double) losses);
            details.put("ties", (double) ties);
            details.put("position_consistency", (double) consistent / points.size());
        }
    }
}
