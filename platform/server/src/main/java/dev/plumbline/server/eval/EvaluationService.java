package dev.plumbline.server.eval;

import dev.plumbline.engine.eval.CandidateResult;
import dev.plumbline.engine.eval.CandidateSpec;
import dev.plumbline.engine.eval.DatasetSelection;
import dev.plumbline.engine.eval.EvaluationPlan;
import dev.plumbline.engine.eval.EvaluationReport;
import dev.plumbline.engine.eval.EvaluationRequest;
import dev.plumbline.engine.eval.EvaluationRunner;
import dev.plumbline.engine.eval.MetricResult;
import dev.plumbline.engine.eval.ProgressListener;
import dev.plumbline.engine.eval.ReportWriters;
import dev.plumbline.engine.eval.RunOptions;
import dev.plumbline.engine.eval.RunProgress;
import dev.plumbline.engine.eval.SampleRecord;
import dev.plumbline.engine.eval.Suite;
import dev.plumbline.engine.eval.SuiteLoader;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.engine.run.IllegalRunTransitionException;
import dev.plumbline.engine.run.RunKind;
import dev.plumbline.engine.run.RunState;
import dev.plumbline.server.config.PlumblineConfig;
import dev.plumbline.server.model.ModelCatalog;
import dev.plumbline.server.run.RunSnapshot;
import dev.plumbline.server.run.RunStore;
import dev.plumbline.spi.InvalidInputException;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Evaluation runs: validates a request by planning it, persists it as a run, executes it on a
 * bounded worker pool with every sample stored in the database, streams progress and metrics as
 * run events, stores the final report, and continues runs a crash left unfinished.
 */
@ApplicationScoped
public class EvaluationService {

    private static final long PROGRESS_INTERVAL_MILLIS = 250;
    private static final List<String> GENERATION_SETTINGS = List.of("temperature", "max_new_tokens", "top_p", "top_k", "samples");

    private final RunStore runs;
    private final EvaluationStorage storage;
    private final EvaluationRunner runner;
    private final PlumblineConfig config;
    private final ExecutorService workers;
    private final Map<String, AtomicBoolean> cancelFlags = new ConcurrentHashMap<>();
    private volatile boolean shuttingDown;

    public EvaluationService(RunStore runs, EvaluationStorage storage, PluginRegistry registry, ModelCatalog models,
            PlumblineConfig config) {
        this.runs = runs;
        this.storage = storage;
        this.config = config;
        PlumblineConfig.Evaluation settings = config.evaluation();
        if (settings.maxConcurrentRuns() < 1) {
            throw new IllegalArgumentException("plumbline.evaluation.max-concurrent-runs must be >= 1");
        }
        this.runner = new EvaluationRunner(registry, id -> models.get(id, "model"),
                RunOptions.defaults().withParallelism(settings.generationParallelism(), settings.judgeParallelism())
                        .withBootstrap(settings.bootstrapRounds(), 0L));
        AtomicInteger threads = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(settings.maxConcurrentRuns(), r -> {
            Thread t = new Thread(r, "plumbline-evaluation-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void onShutdown(@Observes ShutdownEvent event) {
        shuttingDown = true;
        workers.shutdownNow(); // interrupted runs stay RUNNING and continue at the next start
    }

    /** Validates (plans) the evaluation, then queues it. Input errors are thrown before any run exists. */
    public RunSnapshot start(EvaluationConfig request) {
        EvaluationPlan plan = runner.plan(toRequest(request));
        RunSnapshot run = runs.create(RunKind.EVALUATION, request.name(), EvaluationJson.write(request), plan.totalSamples());
        cancelFlags.put(run.id(), new AtomicBoolean());
        workers.execute(() -> execute(run.id(), request, plan, ProgressListener.NONE));
        return run;
    }

    /**
     * Plans, records and runs an evaluation on the calling thread (the CLI); {@code listener} sees
     * progress too. Returns the run and, when it succeeded, its report.
     */
    public Outcome runHere(EvaluationConfig request, ProgressListener listener) {
        EvaluationPlan plan = runner.plan(toRequest(request));
        RunSnapshot run = runs.create(RunKind.EVALUATION, request.name(), EvaluationJson.write(request), plan.totalSamples());
        cancelFlags.put(run.id(), new AtomicBoolean());
        EvaluationReport report = execute(run.id(), request, plan, listener);
        return new Outcome(runs.get(RunKind.EVALUATION, run.id()), plan.suite(), report);
    }

    /** A run's final state and its report ({@code null} unless it succeeded). */
    public record Outcome(RunSnapshot run, Suite suite, EvaluationReport report) {}

    /** Cancels a queued or running evaluation; a running one stops at its next sample. */
    public RunSnapshot cancel(String runId, String reason) {
        String message = reason == null || reason.isBlank() ? "cancelled by request" : "cancelled: " + reason;
        RunSnapshot run = runs.transition(RunKind.EVALUATION, runId, RunState.CANCELLED, message);
        AtomicBoolean flag = cancelFlags.get(runId);
        if (flag != null) {
            flag.set(true);
        }
        return run;
    }

    /**
     * Queues every evaluation left RUNNING or QUEUED (a crash, a kill, a shutdown mid-run). Their
     * stored samples are reused; the rest run. Called once when the server starts serving.
     */
    public List<String> resumeUnfinished() {
        List<RunSnapshot> unfinished = new ArrayList<>();
        unfinished.addAll(runs.all(RunKind.EVALUATION, RunState.RUNNING));
        unfinished.addAll(runs.all(RunKind.EVALUATION, RunState.QUEUED));
        unfinished.sort((a, b) -> a.createdAt().compareTo(b.createdAt()));
        List<String> resumed = new ArrayList<>();
        for (RunSnapshot run : unfinished) {
            if (cancelFlags.containsKey(run.id())) {
                continue; // started by this process
            }
            EvaluationConfig request;
            try {
                request = EvaluationJson.read(run.configJson(), EvaluationConfig.class, "evaluation config");
            } catch (RuntimeException e) {
                runs.transition(RunKind.EVALUATION, run.id(), RunState.FAILED, "cannot resume: " + e.getMessage());
                continue;
            }
            if (run.state() == RunState.RUNNING) {
                long stored = storage.sampleCount(run.id());
                runs.transition(RunKind.EVALUATION, run.id(), RunState.QUEUED,
                        "re-queued after a restart; " + stored + " stored samples are kept");
            }
            cancelFlags.put(run.id(), new AtomicBoolean());
            workers.execute(() -> execute(run.id(), request, null, ProgressListener.NONE));
            resumed.add(run.id());
        }
        if (!resumed.isEmpty()) {
            Log.infof("Resuming %d unfinished evaluation run(s): %s", resumed.size(), resumed);
        }
        return resumed;
    }

    /** JSON (manifest, aggregates, every sample) of a finished run, or a partial report of an unfinished one. */
    public String reportJson(String runId) {
        RunSnapshot run = runs.get(RunKind.EVALUATION, runId);
        return storage.report(runId).map(EvaluationStorage.StoredReport::reportJson)
                .orElseGet(() -> EvaluationJson.write(ReportWriters.toJson(partialReport(run), true)));
    }

    /** One CSV row per sample. */
    public String reportCsv(String runId) {
        RunSnapshot run = runs.get(RunKind.EVALUATION, runId);
        return storage.report(runId).map(EvaluationStorage.StoredReport::samplesCsv).orElseGet(() -> {
            EvaluationReport report = partialReport(run);
            return csv(report, report.manifest().suite().id(), run);
        });
    }

    private EvaluationReport partialReport(RunSnapshot run) {
        EvaluationConfig request = EvaluationJson.read(run.configJson(), EvaluationConfig.class, "evaluation config");
        EvaluationPlan plan;
        try {
            plan = runner.plan(toRequest(request));
        } catch (InvalidInputException e) {
            throw new ReportUnavailableException("run " + run.id() + " has no stored report and cannot be planned again: "
                    + e.getMessage());
        }
        String started = run.startedAt() == null ? run.createdAt().toString() : run.startedAt().toString();
        return runner.report(plan, new DatabaseSampleStore(storage, run.id()), started);
    }

    private String csv(EvaluationReport report, String suiteId, RunSnapshot run) {
        EvaluationConfig request = EvaluationJson.read(run.configJson(), EvaluationConfig.class, "evaluation config");
        StringWriter out = new StringWriter();
        ReportWriters.writeCsv(report, suite(request), out);
        return out.toString();
    }

    // ------------------------------------------------------------------------------------------ execution

    private EvaluationReport execute(String runId, EvaluationConfig request, EvaluationPlan planned, ProgressListener extra) {
        AtomicBoolean cancel = cancelFlags.computeIfAbsent(runId, id -> new AtomicBoolean());
        try {
            RunSnapshot run = runs.get(RunKind.EVALUATION, runId);
            if (run.state() != RunState.QUEUED) {
                return null; // cancelled while queued
            }
            runs.transition(RunKind.EVALUATION, runId, RunState.RUNNING, "running");
            EvaluationPlan plan = planned != null ? planned : runner.plan(toRequest(request));
            EvaluationReport report = runner.run(plan, new DatabaseSampleStore(storage, runId),
                    new DatabaseGenerationCache(storage), new RunEvents(runId, extra), cancel);
            if (cancel.get()) {
                return null;
            }
            StringWriter csv = new StringWriter();
            ReportWriters.writeCsv(report, plan.suite(), csv);
            storage.saveReport(runId, plan.suite().id(), EvaluationJson.write(ReportWriters.toJson(report, true)),
                    csv.toString(), RunSummary.of(report));
            runs.transition(RunKind.EVALUATION, runId, RunState.SUCCEEDED, "succeeded: " + summary(report));
            return report;
        } catch (CancellationException e) {
            if (shuttingDown && !cancel.get()) {
                Log.infof("Evaluation run %s interrupted by shutdown; it continues at the next start", runId);
            } else {
                runs.endIfActive(RunKind.EVALUATION, runId, RunState.CANCELLED, "cancelled");
            }
        } catch (InvalidInputException e) {
            runs.endIfActive(RunKind.EVALUATION, runId, RunState.FAILED, e.getMessage());
        } catch (IllegalRunTransitionException e) {
            Log.debugf("run %s changed state concurrently: %s", runId, e.getMessage());
        } catch (RuntimeException e) {
            if (shuttingDown) {
                Log.infof("Evaluation run %s stopped by shutdown (%s); it continues at the next start", runId, e);
            } else {
                Log.errorf(e, "Evaluation run %s failed", runId);
                runs.endIfActive(RunKind.EVALUATION, runId, RunState.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        } finally {
            cancelFlags.remove(runId);
        }
        return null;
    }

    private static String summary(EvaluationReport report) {
        List<String> parts = new ArrayList<>();
        report.ranking().forEach(r -> parts.add(r.candidateId() + (r.primary() == null ? " (no value)"
                : String.format(java.util.Locale.ROOT, " %.4f", r.primary().value()))));
        return report.manifest().suite().primaryMetric() + ": " + String.join(", ", parts);
    }

    /** Streams the runner's callbacks as run events: progress (at most every 250 ms, and the last), metrics per settled candidate. */
    private final class RunEvents implements ProgressListener {
        private final String runId;
        private final ProgressListener extra;
        private long lastProgressAt;
        private int settled;

        RunEvents(String runId, ProgressListener extra) {
            this.runId = runId;
            this.extra = extra;
        }

        @Override
        public void started(EvaluationPlan plan, RunProgress progress) {
            runs.progress(RunKind.EVALUATION, runId, progress.done(), progress.total());
            if (progress.reused() > 0) {
                runs.log(RunKind.EVALUATION, runId, progress.reused() + " of " + progress.total()
                        + " samples were already stored and are reused");
            }
            lastProgressAt = System.currentTimeMillis();
            extra.started(plan, progress);
        }

        @Override
        public void sampleCompleted(SampleRecord record, RunProgress progress) {
            long now = System.currentTimeMillis();
            if (now - lastProgressAt >= PROGRESS_INTERVAL_MILLIS || progress.done() == progress.total()) {
                runs.progress(RunKind.EVALUATION, runId, progress.done(), progress.total());
                lastProgressAt = now;
            }
            extra.sampleCompleted(record, progress);
        }

        @Override
        public void candidateSettled(CandidateResult result) {
            Map<String, Double> metrics = new LinkedHashMap<>();
            for (MetricResult m : result.metrics()) {
                if (m.hasValue()) {
                    String name = result.candidateId() + "/" + m.name();
                    metrics.put(name, m.estimate().value());
                    if (Double.isFinite(m.estimate().interval().lower())) {
                        metrics.put(name + "/ci_low", m.estimate().interval().lower());
                        metrics.put(name + "/ci_high", m.estimate().interval().upper());
                    }
                }
            }
            runs.metrics(RunKind.EVALUATION, runId, settled++, metrics);
            extra.candidateSettled(result);
        }
    }

    // ------------------------------------------------------------------------------------------ request

    /** The engine request: suite with overrides, candidates, judge parameters. Errors name the request field. */
    EvaluationRequest toRequest(EvaluationConfig request) {
        Suite suite = suite(request);
        List<CandidateSpec> candidates = new ArrayList<>();
        for (int i = 0; i < request.candidates().size(); i++) {
            candidates.add(candidate(request.candidates().get(i), "candidates[" + i + "]"));
        }
        Map<String, Map<String, Object>> judgeParameters = new HashMap<>();
        request.parameters().forEach((key, value) -> {
            int dot = key.indexOf('.');
            if (dot > 0 && !key.startsWith("generation.")) {
                judgeParameters.computeIfAbsent(key.substring(0, dot), k -> new LinkedHashMap<>()).put(key.substring(dot + 1), value);
            }
        });
        if (request.limit() < 0) {
            throw new InvalidInputException("limit", "must be >= 0, got " + request.limit());
        }
        Path datasets = request.datasetsDir() == null || request.datasetsDir().isBlank() ? config.datasetsDir()
                : Path.of(request.datasetsDir());
        return new EvaluationRequest(suite, candidates, datasets, DatasetSelection.AUTO, request.limit(), judgeParameters);
    }

    private Suite suite(EvaluationConfig request) {
        if (request.suite() == null || request.suite().isBlank()) {
            throw new InvalidInputException("suite", "is required; built-in: " + String.join(", ", SuiteLoader.BUILTIN));
        }
        Suite suite;
        if (request.suite().endsWith(".yaml") || request.suite().endsWith(".yml")) {
            Path file = Path.of(request.suite());
            if (!Files.isRegularFile(file)) {
                throw new InvalidInputException("suite", "no suite file " + file.toAbsolutePath());
            }
            suite = SuiteLoader.load(file);
        } else {
            suite = SuiteLoader.builtin(request.suite());
        }
        Suite.Generation g = suite.generation();
        double temperature = g.temperature();
        int maxNewTokens = g.maxNewTokens();
        double topP = g.topP();
        int topK = g.topK();
        int samples = g.samples();
        for (Map.Entry<String, Object> e : request.parameters().entrySet()) {
            String key = e.getKey();
            String field = "parameters." + key;
            if (!key.contains(".")) {
                throw new InvalidInputException(field, "expected generation.<setting> or <judge id>.<parameter>");
            }
            if (!key.startsWith("generation.")) {
                continue;
            }
            String setting = key.substring("generation.".length());
            switch (setting) {
                case "temperature" -> temperature = number(e.getValue(), field, 0, 10);
                case "top_p" -> topP = number(e.getValue(), field, 0, 1);
                case "max_new_tokens" -> maxNewTokens = (int) integer(e.getValue(), field, 1, 1_000_000);
                case "top_k" -> topK = (int) integer(e.getValue(), field, 0, 1_000_000);
                case "samples" -> samples = (int) integer(e.getValue(), field, 1, 10_000);
                default -> throw new InvalidInputException(field, "unknown generation setting '" + setting + "'; allowed: "
                        + String.join(", ", GENERATION_SETTINGS));
            }
        }
        if (samples != g.samples() && suite.task() == Suite.Task.CHOICE_LOGLIKELIHOOD) {
            throw new InvalidInputException("parameters.generation.samples", "choice suites use one sample per item");
        }
        long seed = request.seed() != 0 ? request.seed() : g.seed();
        Suite.Generation generation = new Suite.Generation(temperature, g.temperatureByCategory(), maxNewTokens, topP, topK,
                g.stop(), samples, seed);
        return new Suite(suite.id(), suite.version(), suite.description(), suite.source(), suite.sha256(), suite.task(),
                suite.dataset(), suite.prompt(), generation, suite.choice(), suite.dimensions(), suite.metrics(),
                suite.primaryMetric(), suite.resources());
    }

    private CandidateSpec candidate(EvaluationConfig.CandidateConfig c, String field) {
        boolean hasModel = c.model() != null && !c.model().isBlank();
        boolean hasFile = c.responsesFile() != null && !c.responsesFile().isBlank();
        if (hasModel == hasFile) {
            throw new InvalidInputException(field, "needs exactly one of model and responses_file");
        }
        // A model id may name a directory (demo/dpo); a candidate name may not contain '/' or '#'.
        String name = c.name() == null || c.name().isBlank()
                ? (hasModel ? c.model().replace('/', '-').replace('#', '-') : "") : c.name();
        if (name.isBlank()) {
            throw new InvalidInputException(field + ".name", "is required for a responses file");
        }
        if (hasModel) {
            return new CandidateSpec.Model(name, c.model());
        }
        Path file = Path.of(c.responsesFile());
        if (!file.isAbsolute()) {
            file = config.dataDir().resolve(file);
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(field + ".responses_file", "no such file: " + file.toAbsolutePath()
                    + (Path.of(c.responsesFile()).isAbsolute() ? "" : " (relative paths resolve against plumbline.data-dir)"));
        }
        return new CandidateSpec.Responses(name, file);
    }

    private static double number(Object v, String field, double min, double max) {
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else {
            try {
                d = Double.parseDouble(String.valueOf(v));
            } catch (NumberFormatException e) {
                throw new InvalidInputException(field, "expected a number, got '" + v + "'");
            }
        }
        if (!(d >= min && d <= max)) {
            throw new InvalidInputException(field, "must be between " + min + " and " + max + ", got " + d);
        }
        return d;
    }

    private static long integer(Object v, String field, long min, long max) {
        double d = number(v, field, min, max);
        if (d != Math.rint(d)) {
            throw new InvalidInputException(field, "expected an integer, got " + v);
        }
        return (long) d;
    }
}
