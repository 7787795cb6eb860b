package dev.plumbline.server.demo;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.demo.DemoTask;
import dev.plumbline.engine.eval.EvaluationReport;
import dev.plumbline.engine.eval.MetricResult;
import dev.plumbline.engine.judge.GuardedJudge;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ModelEngine;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.generate.GenerationListener;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.train.SftDataset;
import dev.plumbline.engine.model.train.SftTrainer;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.engine.run.RunState;
import dev.plumbline.engine.stats.Estimate;
import dev.plumbline.engine.train.TrainerEvent;
import dev.plumbline.server.config.PlumblineConfig;
import dev.plumbline.server.eval.EvaluationConfig;
import dev.plumbline.server.eval.EvaluationService;
import dev.plumbline.server.train.TrainingConfig;
import dev.plumbline.server.train.TrainingService;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Verdict;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code ./plumbline demo}: what Plumbline is for, end to end, on the embedded defaults — build
 * the demo task ({@link DemoTask}), SFT a tiny imperfect base model, make preference pairs by
 * judging its samples with the rules judge, align it with every algorithm through ordinary training
 * runs, evaluate the base and every aligned model on the demo's helpfulness, harmlessness and
 * toxicity suites through ordinary evaluation runs, and report. Everything lands in the database
 * and the models directory, so {@code ./plumbline serve} shows the runs, models and leaderboards.
 */
@ApplicationScoped
public class DemoService {

    /** The suites, in report order; harmlessness decides the verdicts. */
    public static final List<String> SUITES = List.of("demo-harmlessness", "demo-helpfulness", "demo-toxicity");
    public static final String HARMLESSNESS = "demo-harmlessness";
    public static final String BASE_MODEL = "demo/base";
    /** Samples per training prompt for the preference pairs. */
    static final int PREFERENCE_SAMPLES = 4;
    /**
     * Sampled replies per held-out prompt in the full demo (the suites' own k = 4 in --quick): with
     * 40 prompts a suite, k = 8 narrows the intervals enough to separate IPO and RLOO from the base.
     */
    static final int FULL_EVALUATION_SAMPLES = 8;

    private final TrainingService training;
    private final EvaluationService evaluation;
    private final PluginRegistry registry;
    private final PlumblineConfig config;

    public DemoService(TrainingService training, EvaluationService evaluation, PluginRegistry registry,
            PlumblineConfig config) {
        this.training = training;
        this.evaluation = evaluation;
        this.registry = registry;
        this.config = config;
    }

    /**
     * @param algorithms the algorithms to run (empty = all)
     */
    public record Options(boolean quick, long seed, List<String> algorithms) {}

    /** One alignment run: its run, the trained model, and its first and last reported training metrics. */
    public record Alignment(String algorithm, String runId, RunState state, String model, String error,
            Map<String, Double> firstMetrics, Map<String, Double> lastMetrics, double seconds) {}

    /**
     * How an aligned model's harmlessness compares with the base's.
     *
     * @param separated the 95% intervals do not overlap
     */
    public record Comparison(String algorithm, String model, Estimate harmlessness, Estimate base, boolean better,
            boolean separated, String verdict) {}

    public record Result(Path workDir, List<Alignment> alignments, Map<String, String> evaluationRuns,
            Map<String, Map<String, Estimate>> primary, Map<String, String> primaryMetric,
            List<Comparison> comparisons, double seconds) {}

    public Result run(Options options, DemoListener out) {
        long started = System.nanoTime();
        PhaseClock clock = new PhaseClock(out);
        List<DemoRecipe> recipes = DemoRecipe.all().stream()
                .filter(r -> options.algorithms().isEmpty() || options.algorithms().contains(r.algorithm())).toList();
        Path work = config.dataDir().resolve("demo").toAbsolutePath().normalize();
        Path models = training.modelsDir();

        out.phase("1/6 task — benign, harmful and provocative requests from evals/demo");
        deleteTree(work);
        deleteTree(models.resolve("demo"));
        DemoTask task = DemoTask.load();
        DemoTask.Written written = task.write(work, options.seed());
        out.line(String.format(Locale.ROOT, "%d training prompts, %d held-out prompts, %d SFT examples",
                task.split(DemoTask.TRAIN).size(), task.split(DemoTask.EVAL).size(), written.sftExamples()));

        clock.lap();
        out.phase("2/6 base model — SFT of a tiny byte-level Llama on an imperfect mixture");
        Path base = models.resolve(BASE_MODEL);
        try (NDManager manager = ModelEngine.newManager();
                LlamaModel model = LlamaModel.initialize(DemoTask.baseConfig(), options.seed(), manager)) {
            new SftTrainer(model, new ByteTokenizer(), DemoTask.CHAT_FORMAT, DemoTask.sftConfig(options.seed()),
                    out.supervised()).train(SftDataset.read(written.sft()), base);
        }

        clock.lap();
        out.phase("3/6 preference data — base samples judged by the rules judge (" + DemoTask.RUBRIC + " rubric)");
        Path preferences = preferencePairs(task, base, work, options.seed(), out);

        clock.lap();
        out.phase("4/6 alignment — " + recipes.size() + " training runs");
        List<Alignment> alignments = new ArrayList<>();
        for (DemoRecipe r : recipes) {
            alignments.add(align(r, options, preferences, written.prompts(), out));
        }

        clock.lap();
        out.phase("5/6 evaluation — base and aligned models on " + String.join(", ", SUITES));
        List<String> candidates = new ArrayList<>(List.of(BASE_MODEL));
        alignments.stream().filter(a -> a.state() == RunState.SUCCEEDED).forEach(a -> candidates.add(a.model()));
        Map<String, String> evaluationRuns = new LinkedHashMap<>();
        Map<String, Map<String, Estimate>> primary = new LinkedHashMap<>();
        Map<String, String> primaryMetric = new LinkedHashMap<>();
        for (String suite : SUITES) {
            EvaluationConfig request = new EvaluationConfig(suite, candidates.stream()
                    .map(m -> new EvaluationConfig.CandidateConfig(candidateName(m), m, null)).toList(), 0, 0,
                    options.quick() ? Map.of() : Map.of("generation.samples", FULL_EVALUATION_SAMPLES),
                    "demo: " + suite, null);
            EvaluationService.Outcome outcome;
            try (DemoListener.AutoCloseableProgressListener listener = out.evaluation(suite)) {
                outcome = evaluation.runHere(request, listener);
            }
            evaluationRuns.put(suite, outcome.run().id());
            if (outcome.report() == null) {
                out.line(suite + ": evaluation " + outcome.run().state() + " " + outcome.run().error());
                continue;
            }
            primaryMetric.put(suite, outcome.suite().primaryMetric());
            primary.put(suite, estimates(outcome.report(), outcome.suite().primaryMetric()));
        }

        clock.lap();
        List<Comparison> comparisons = compare(alignments, primary.getOrDefault(HARMLESSNESS, Map.of()));
        return new Result(work, alignments, evaluationRuns, primary, primaryMetric, comparisons,
                (System.nanoTime() - started) / 1e9);
    }

    /** Leaderboard name of a demo model, as evaluation names a model candidate: {@code demo/dpo} → {@code demo-dpo}. */
    static String candidateName(String model) {
        return model.replace('/', '-');
    }

    private Alignment align(DemoRecipe r, Options options, Path preferences, Path prompts, DemoListener out) {
        Map<String, Object> judgeParameters = r.online() ? Map.of("rubric", DemoTask.RUBRIC) : Map.of();
        TrainingConfig request = new TrainingConfig(r.algorithm(), r.parameters(), BASE_MODEL,
                r.online() ? "" : preferences.toString(), r.online() ? prompts.toString() : "", r.online() ? "rules" : "",
                judgeParameters, options.seed(), "demo/" + r.algorithm(), r.trainerSettings(options.quick()),
                "demo: " + r.algorithm());
        long started = System.nanoTime();
        List<Map<String, Double>> steps = new ArrayList<>();
        try (DemoListener.AutoCloseableTrainerListener display = out.training(r.algorithm())) {
            TrainingService.Outcome outcome = training.runHere(request, event -> {
                if (event instanceof TrainerEvent.Step s) {
                    steps.add(s.metrics());
                }
                display.onEvent(event);
            });
            Alignment a = new Alignment(r.algorithm(), outcome.run().id(), outcome.run().state(), outcome.outputModel(),
                    outcome.run().error() == null ? "" : outcome.run().error(),
                    steps.isEmpty() ? Map.of() : steps.get(0), steps.isEmpty() ? Map.of() : steps.get(steps.size() - 1),
                    (System.nanoTime() - started) / 1e9);
            out.line(String.format(Locale.ROOT, "%s: %s in %.1f s (run %s)%s", a.algorithm(),
                    a.state().name().toLowerCase(Locale.ROOT), a.seconds(), a.runId(),
                    a.error().isEmpty() ? "" : ": " + a.error()));
            return a;
        } catch (RuntimeException e) {
            // A run that cannot even start is reported, and the demo goes on with the others.
            out.line(r.algorithm() + ": " + e.getMessage());
            return new Alignment(r.algorithm(), "", RunState.FAILED, "", String.valueOf(e.getMessage()), Map.of(), Map.of(),
                    (System.nanoTime() - started) / 1e9);
        }
    }

    /** Samples every training prompt PREFERENCE_SAMPLES times, judges the samples, writes best-vs-worst pairs. */
    private Path preferencePairs(DemoTask task, Path base, Path work, long seed, DemoListener out) {
        List<DemoTask.Request> requests = task.split(DemoTask.TRAIN);
        List<String> texts = new ArrayList<>();
        try (NDManager manager = ModelEngine.newManager(); LocalCheckpoint c = LocalCheckpoint.load(base, manager)) {
            List<long[]> prompts = new ArrayList<>();
            for (DemoTask.Request r : requests) {
                long[] ids = c.tokenizer().encode(c.chatFormat().render(r.messages(), true), false);
                for (int k = 0; k < PREFERENCE_SAMPLES; k++) {
                    prompts.add(ids);
                }
            }
            GenerationSettings settings = new GenerationSettings(1.0, DemoTask.MAX_NEW_TOKENS, 0, 1.0, List.of(), seed);
            for (GenerationResult g : new Generator(c.model(), c.tokenizer()).generate(prompts, settings,
                    c.stopTokenIds(), GenerationListener.NONE)) {
                texts.add(g.text());
            }
        }
        GuardedJudge judge = GuardedJudge.of(registry, "rules", Map.of("rubric", DemoTask.RUBRIC), "judge_parameters");
        List<JudgeSample> samples = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            DemoTask.Request r = requests.get(i / PREFERENCE_SAMPLES);
            samples.add(new JudgeSample(r.id() + "#" + i % PREFERENCE_SAMPLES, r.prompt(), texts.get(i), r.category(), "",
                    List.of(), Map.of()));
        }
        List<Verdict> verdicts = judge.score(samples, "samples");
        List<DemoTask.ScoredSamples> scored = new ArrayList<>();
        Map<String, double[]> byCategory = new LinkedHashMap<>();
        for (int p = 0; p < requests.size(); p++) {
            List<String> responses = new ArrayList<>();
            List<Double> scores = new ArrayList<>();
            for (int k = 0; k < PREFERENCE_SAMPLES; k++) {
                int i = p * PREFERENCE_SAMPLES + k;
                Verdict v = verdicts.get(i);
                double score = v.isValid() && v.values().containsKey("score") ? v.values().get("score") : Double.NaN;
                responses.add(texts.get(i));
                scores.add(score);
                if (!Double.isNaN(score)) {
                    double[] s = byCategory.computeIfAbsent(requests.get(p).category(), x -> new double[2]);
                    s[0] += score;
                    s[1]++;
                }
            }
            scored.add(new DemoTask.ScoredSamples(requests.get(p).prompt(), requests.get(p).category(), responses, scores));
        }
        List<DemoTask.PreferencePair> pairs = DemoTask.preferencePairs(scored, 0.5);
        Path file = work.resolve("preferences.jsonl");
        try {
            Files.write(file, pairs.stream().map(DemoTask::preferenceLine).toList(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        StringBuilder means = new StringBuilder();
        byCategory.forEach((k, s) -> means.append(String.format(Locale.ROOT, "%s%s %.2f", means.length() == 0 ? "" : ", ",
                k, s[0] / s[1])));
        out.line(String.format(Locale.ROOT, "%d samples, mean rules score by category: %s; %d pairs (best vs worst,"
                + " score gap >= 0.5) in %s", texts.size(), means, pairs.size(), file.getFileName()));
        return file;
    }

    private static Map<String, Estimate> estimates(EvaluationReport report, String metric) {
        Map<String, Estimate> out = new LinkedHashMap<>();
        report.candidates().forEach(c -> c.metric(metric).map(MetricResult::estimate)
                .ifPresent(e -> out.put(c.candidateId(), e)));
        // Keyed by model id, as the rest of the demo is.
        return out;
    }

    /** Each aligned model against the base on harmlessness; an algorithm that does not beat it says why it may not have. */
    static List<Comparison> compare(List<Alignment> alignments, Map<String, Estimate> harmlessness) {
        Estimate base = harmlessness.get(candidateName(BASE_MODEL));
        List<Comparison> out = new ArrayList<>();
        for (Alignment a : alignments) {
            Estimate e = harmlessness.get(candidateName(a.model()));
            if (a.state() != RunState.SUCCEEDED || e == null || base == null) {
                out.add(new Comparison(a.algorithm(), a.model(), e, base, false, false,
                        a.state() != RunState.SUCCEEDED ? "training " + a.state().name().toLowerCase(Locale.ROOT) + ": "
                                + a.error() : "not evaluated"));
                continue;
            }
            boolean better = e.value() > base.value();
            boolean separated = better && e.interval().lower() > base.interval().upper();
            String verdict;
            if (separated) {
                verdict = String.format(Locale.ROOT, "more harmless than the base (%.3f vs %.3f, 95%% intervals apart)",
                        e.value(), base.value());
            } else if (better) {
                verdict = String.format(Locale.ROOT, "slightly more harmless (%.3f vs %.3f) but the 95%% intervals"
                        + " overlap; %s", e.value(), base.value(), trainingNote(a));
            } else {
                verdict = String.format(Locale.ROOT, "does not beat the base (%.3f vs %.3f); %s", e.value(), base.value(),
                        trainingNote(a));
            }
            out.add(new Comparison(a.algorithm(), a.model(), e, base, better, separated, verdict));
        }
        return out;
    }

    /** What the training metrics say about a weak result: did the algorithm's own objective move? */
    static String trainingNote(Alignment a) {
        for (String key : List.of("reward", "objective/scores", "rewards/probabilities", "rewards/accuracies",
                "rewards/margins", "loss")) {
            Double first = a.firstMetrics().get(key);
            Double last = a.lastMetrics().get(key);
            if (first != null && last != null) {
                boolean moved = key.equals("loss") ? last < first : last > first;
                return String.format(Locale.ROOT, "its training %s went %.3f -> %.3f (%s)", key, first, last,
                        moved ? "the objective improved, but not enough to change the sampled behaviour measurably"
                                : "the objective itself did not improve in this many steps");
            }
        }
        return "no training metrics were reported";
    }

    /** Prints how long each phase took. */
    private static final class PhaseClock {
        private final DemoListener out;
        private long since = System.nanoTime();

        PhaseClock(DemoListener out) {
            this.out = out;
        }

        void lap() {
            long now = System.nanoTime();
            out.line(String.format(Locale.ROOT, "(%.1f s)", (now - since) / 1e9));
            since = now;
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
