package dev.plumbline.engine.eval;

import dev.plumbline.engine.judge.GuardedJudge;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.engine.util.Hashes;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.ComparisonPair;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.PairwiseVerdict;
import dev.plumbline.spi.Preference;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.SequenceLogProbs;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs a suite over candidates: for every (candidate, item, sample index) it obtains the
 * responses (model call through the {@link GenerationCache}, or the precomputed file), judges
 * every dimension through {@link GuardedJudge} and saves a {@link SampleRecord}. Generation and
 * judging run on two bounded pools, pipelined, so a remote model and a remote judge both stay
 * busy. A rerun with the same {@link SampleStore} resumes: samples already recorded are skipped,
 * failed ones retried (see {@link RunOptions#retryFailed()}), changed dimensions rejudged without
 * regenerating.
 *
 * <pre>{@code
 * EvaluationRunner runner = new EvaluationRunner(registry, models::open, RunOptions.defaults());
 * EvaluationPlan plan = runner.plan(EvaluationRequest.of(SuiteLoader.builtin("harmlessness"),
 *         List.of(CandidateSpec.model("openai:gpt-4o-mini")), datasetsDir));   // every input error here
 * EvaluationReport report = runner.run(plan, store, cache, listener, cancelFlag);
 * }</pre>
 */
public final class EvaluationRunner {

    /** Judge id recorded for the harness's own log-likelihood choice scorer. */
    public static final String CHOICE_SCORER = "choice-loglikelihood";

    private final PluginRegistry registry;
    private final Function<String, LanguageModel> models;
    private final RunOptions options;

    /**
     * @param models opens a model by the id a {@link CandidateSpec.Model} names; may throw
     *     {@link InvalidInputException} for an unknown id
     */
    public EvaluationRunner(PluginRegistry registry, Function<String, LanguageModel> models, RunOptions options) {
        this.registry = registry;
        this.models = models;
        this.options = options;
    }

    public RunOptions options() {
        return options;
    }

    // ------------------------------------------------------------------------------------------ planning

    /**
     * Validates everything and resolves candidates and judges. Errors name the field:
     * {@code candidates[i].model}, {@code candidates[i].id}, {@code <responses file>:<line> <field>},
     * {@code <suite file>:<line> dimensions.<name>.judge}, {@code <data file>:<line> <field>} …
     */
    public EvaluationPlan plan(EvaluationRequest request) {
        Suite suite = request.suite();
        if (request.candidates().isEmpty()) {
            throw new InvalidInputException("candidates", "at least one candidate is needed");
        }
        List<EvaluationPlan.PlannedDimension> dimensions = new ArrayList<>();
        for (Suite.Dimension d : suite.dimensions()) {
            dimensions.add(planDimension(suite, d, request.judgeParameters()));
        }
        LoadedDataset dataset = DatasetLoader.load(suite, request.datasetsDir(), request.selection(), request.limit());

        List<EvaluationPlan.PlannedCandidate> candidates = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> opponents = new HashSet<>();
        dataset.items().forEach(i -> opponents.add(i.baselineModel()));
        for (int i = 0; i < request.candidates().size(); i++) {
            CandidateSpec spec = request.candidates().get(i);
            String field = "candidates[" + i + "]";
            if (spec.id() == null || spec.id().isBlank() || spec.id().contains("/") || spec.id().contains("#")) {
                throw new InvalidInputException(field + ".id", "needs a non-empty id without '/' or '#'");
            }
            if (!ids.add(spec.id())) {
                throw new InvalidInputException(field + ".id", "duplicate candidate '" + spec.id() + "'");
            }
            if (opponents.contains(spec.id()) && suite.dimensions().stream().anyMatch(d -> d.kind() == Suite.DimensionKind.PAIRWISE)) {
                throw new InvalidInputException(field + ".id", "'" + spec.id() + "' is the name of this suite's baseline");
            }
            candidates.add(planCandidate(suite, dataset, spec, field));
        }
        return new EvaluationPlan(suite, dataset, candidates, dimensions,
                dataset.items().size() * suite.generation().samples());
    }

    private EvaluationPlan.PlannedDimension planDimension(Suite suite, Suite.Dimension d,
            Map<String, Map<String, Object>> overrides) {
        String at = suite.source() + ":" + d.line() + " dimensions." + d.name();
        Map<String, Object> parameters = new TreeMap<>(d.parameters());
        if (d.judge() != null) {
            parameters.putAll(overrides.getOrDefault(d.judge(), Map.of()));
        }
        Map<String, Object> config = new TreeMap<>();
        config.put("kind", d.kind().name());
        config.put("value", d.value());
        config.put("turn", d.turn());
        config.put("sample_category", d.sampleCategory() == null ? "<item>" : d.sampleCategory());
        config.put("parameters", parameters);
        if (d.kind() == Suite.DimensionKind.CHOICE) {
            config.put("judge", CHOICE_SCORER);
            config.put("completions", suite.choice().completions().name());
            return new EvaluationPlan.PlannedDimension(d, null, Map.of(), "1", Hashes.sha256(EvalJson.write(config)));
        }
        Judge judge;
        GuardedJudge guarded;
        try {
            judge = registry.judge(d.judge());
            guarded = GuardedJudge.of(registry, d.judge(), parameters, at + ".parameters");
        } catch (InvalidInputException e) {
            String field = e.field().equals("judge") ? at + ".judge" : e.field();
            throw new InvalidInputException(field, e.getMessage().substring(e.field().length() + 2));
        }
        if (d.kind() == Suite.DimensionKind.PAIRWISE && !judge.pairwise()) {
            throw new InvalidInputException(at + ".judge", "judge '" + judge.id() + "' does not compare pairs (mode: pairwise)");
        }
        if (d.kind() == Suite.DimensionKind.POINTWISE && !judge.pointwise()) {
            throw new InvalidInputException(at + ".judge", "judge '" + judge.id() + "' only compares pairs; use mode: pairwise");
        }
        config.put("judge", judge.id());
        config.put("judge_version", judge.version());
        return new EvaluationPlan.PlannedDimension(d, guarded, parameters, judge.version(), Hashes.sha256(EvalJson.write(config)));
    }

    private EvaluationPlan.PlannedCandidate planCandidate(Suite suite, LoadedDataset dataset, CandidateSpec spec, String field) {
        if (spec instanceof CandidateSpec.Responses r) {
            if (suite.task() == Suite.Task.CHOICE_LOGLIKELIHOOD) {
                throw new InvalidInputException(field + ".file", "suite '" + suite.id()
                        + "' scores choices by the model's log-likelihood; a response file cannot be evaluated on it");
            }
            PrecomputedResponses responses = PrecomputedResponses.read(r.file());
            int matched = (int) dataset.items().stream().filter(item -> responses.find(item, 0).isPresent()).count();
            if (matched == 0) {
                throw new InvalidInputException(field + ".file", "none of the " + responses.rows() + " rows of "
                        + r.file() + " matches an item of suite '" + suite.id() + "' (" + (dataset.builtin() ? "built-in" : "external")
                        + " set, " + dataset.items().size() + " items) by id or prompt");
            }
            return new EvaluationPlan.PlannedCandidate(r.id(), spec, ModelIdentity.responses(r.id(), responses.sha256()),
                    null, responses, matched);
        }
        CandidateSpec.Model m = (CandidateSpec.Model) spec;
        LanguageModel model;
        try {
            model = models.apply(m.model());
        } catch (InvalidInputException e) {
            throw new InvalidInputException(field + ".model", e.getMessage());
        } catch (RuntimeException e) {
            throw new InvalidInputException(field + ".model", "cannot open model '" + m.model() + "': " + e.getMessage());
        }
        if (model == null) {
            throw new InvalidInputException(field + ".model", "unknown model '" + m.model() + "'");
        }
        return new EvaluationPlan.PlannedCandidate(m.id(), spec, ModelIdentity.of(model.descriptor()), model, null,
                dataset.items().size());
    }

    // ------------------------------------------------------------------------------------------ running

    public EvaluationReport run(EvaluationPlan plan, SampleStore store, GenerationCache cache, ProgressListener listener) {
        return run(plan, store, cache, listener, new AtomicBoolean());
    }

    /**
     * Runs (or resumes) the plan and returns the report.
     *
     * @param cancel set it (or interrupt the calling thread) to stop: work in flight is abandoned,
     *     finished samples stay saved, and a rerun with the same store continues
     * @throws CancellationException when cancelled
     */
    public EvaluationReport run(EvaluationPlan plan, SampleStore store, GenerationCache cache, ProgressListener listener,
            AtomicBoolean cancel) {
        return new Execution(plan, store, cache, listener == null ? ProgressListener.NONE : listener, cancel).execute();
    }

    /** A report from whatever the store holds for this plan (complete or not), e.g. after a cancelled run. */
    public EvaluationReport report(EvaluationPlan plan, SampleStore store, String startedAt) {
        Map<SampleKey, SampleRecord> records = new HashMap<>();
        for (SampleRecord r : store.loadAll()) {
            records.put(r.key(), r);
        }
        List<SampleRecord> ordered = new ArrayList<>();
        for (SampleTask t : tasks(plan)) {
            SampleRecord r = records.get(t.key());
            if (r != null && r.requestKey().equals(t.requestKey())) {
                ordered.add(r);
            }
        }
        return ReportBuilder.build(plan, ordered, options, codeVersion(), startedAt, Instant.now().toString(),
                ordered.size() == plan.totalSamples());
    }

    private String codeVersion() {
        return options.codeVersion() != null ? options.codeVersion() : CodeVersion.detect();
    }

    /** Everything fixed about one sample before any work. */
    record SampleTask(
            SampleKey key,
            EvaluationPlan.PlannedCandidate candidate,
            EvalItem item,
            int sampleIndex,
            long seed,
            GenerationSettings settings,
            List<ChatTurn> firstMessages,
            List<String> choiceCompletions,
            boolean choiceSwapped,
            String requestKey) {}

    /** Candidate-major order, so candidates settle one after another. */
    static List<SampleTask> tasks(EvaluationPlan plan) {
        Suite suite = plan.suite();
        List<SampleTask> out = new ArrayList<>(plan.totalSamples());
        for (EvaluationPlan.PlannedCandidate c : plan.candidates()) {
            for (EvalItem item : plan.dataset().items()) {
                boolean swapped = false;
                List<String> completions = List.of();
                List<ChatTurn> first = new ArrayList<>();
                if (!suite.prompt().system().isEmpty()) {
                    first.add(ChatTurn.system(suite.prompt().system()));
                }
                if (suite.task() == Suite.Task.CHOICE_LOGLIKELIHOOD) {
                    EvalItem.ChoiceItem ch = item.choice();
                    swapped = GenerationKeys.choiceSwapped(suite.generation().seed(), item.id());
                    String a = swapped ? ch.incorrect() : ch.correct();
                    String b = swapped ? ch.correct() : ch.incorrect();
                    first.add(ChatTurn.user(render(suite.prompt().template(),
                            Map.of("question", ch.question(), "choice_a", a, "choice_b", b))));
                    completions = suite.choice().completions() == Suite.Choice.Completions.LABEL ? List.of("A", "B") : List.of(a, b);
                } else {
                    first.add(ChatTurn.user(render(suite.prompt().template(), Map.of("prompt", item.turns().get(0)))));
                }
                List<String> later = item.turns().subList(1, item.turns().size());
                for (int k = 0; k < suite.generation().samples(); k++) {
                    long seed = GenerationKeys.sampleSeed(suite.generation().seed(), c.id(), item.id(), k);
                    GenerationSettings settings = suite.generation().settings(item.category(), seed);
                    String requestKey = c.responses() == null
                            ? GenerationKeys.requestKey(c.identity(), first, later, completions, settings, k)
                            : GenerationKeys.responsesKey(c.id(), first, later,
                                    c.responses().find(item, k).map(PrecomputedResponses.Row::responses).orElse(null), k);
                    out.add(new SampleTask(new SampleKey(suite.id(), c.id(), item.id(), k), c, item, k, seed, settings,
                            List.copyOf(first), completions, swapped, requestKey));
                }
            }
        }
        return out;
    }

    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{([a-z_]+)}");

    /** Fills placeholders in one pass, so text inserted for one placeholder is never read as another. */
    static String render(String template, Map<String, String> values) {
        java.util.regex.Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(v == null ? m.group() : v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** One run's state. */
    private final class Execution {

        private final EvaluationPlan plan;
        private final SampleStore store;
        private final GenerationCache cache;
        private final ProgressListener listener;
        private final AtomicBoolean cancel;
        private final Object listenerLock = new Object();
        private final Map<SampleKey, SampleRecord> records = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> remaining = new ConcurrentHashMap<>();
        private final AtomicInteger done = new AtomicInteger();
        private final AtomicInteger generationFailures = new AtomicInteger();
        private final AtomicInteger judgeFailures = new AtomicInteger();
        /** Set on cancel or on a failure that ends the run; the caller's cancel flag is only read. */
        private final AtomicBoolean stopped = new AtomicBoolean();
        private int reused;
        private final java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        private final String startedAt = Instant.now().toString();
        private ExecutorService generationPool;
        private ExecutorService judgePool;

        Execution(EvaluationPlan plan, SampleStore store, GenerationCache cache, ProgressListener listener, AtomicBoolean cancel) {
            this.plan = plan;
            this.store = store;
            this.cache = cache;
            this.listener = listener;
            this.cancel = cancel;
        }

        EvaluationReport execute() {
            Map<SampleKey, SampleRecord> stored = new HashMap<>();
            for (SampleRecord r : store.loadAll()) {
                if (r.key().suiteId().equals(plan.suite().id())) {
                    stored.put(r.key(), r);
                }
            }
            List<SampleTask> tasks = tasks(plan);
            plan.candidates().forEach(c -> remaining.put(c.id(), new AtomicInteger(plan.samplesPerCandidate())));
            // First decide what each sample needs, then report the start, then submit: no callback precedes started().
            List<Runnable> submissions = new ArrayList<>();
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            for (SampleTask t : tasks) {
                SampleRecord old = stored.get(t.key());
                boolean sameRequest = old != null && old.requestKey().equals(t.requestKey());
                if (sameRequest && !old.generated() && !options.retryFailed()) {
                    keep(old);
                } else if (sameRequest && old.generated()) {
                    List<EvaluationPlan.PlannedDimension> stale = staleDimensions(t, old);
                    if (stale.isEmpty()) {
                        keep(old);
                    } else {
                        submissions.add(() -> futures.add(track(CompletableFuture.completedFuture(old)
                                .thenComposeAsync(r -> judge(t, r, stale), judgePool()))));
                    }
                } else {
                    submissions.add(() -> futures.add(track(CompletableFuture.supplyAsync(() -> respond(t), generationPool())
                            .thenComposeAsync(r -> r.generated() ? judge(t, r, applicable(t.item()))
                                    : CompletableFuture.completedFuture(r), judgePool()))));
                }
            }
            synchronized (listenerLock) {
                listener.started(plan, progress());
            }
            for (EvaluationPlan.PlannedCandidate c : plan.candidates()) {
                if (remaining.get(c.id()).get() == 0) {
                    settle(c.id());
                }
            }
            try {
                submissions.forEach(Runnable::run);
                await(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)));
            } finally {
                shutdown();
            }
            return ReportBuilder.build(plan, ordered(tasks), options, codeVersion(), startedAt, Instant.now().toString(), true);
        }

        /** Saves each finished sample; the first real failure (e.g. the store cannot write) stops the run. */
        private CompletableFuture<Void> track(CompletableFuture<SampleRecord> sample) {
            return sample.thenAccept(this::complete).whenComplete((v, e) -> {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause != null && !(cause instanceof CancellationException)) {
                    failure.compareAndSet(null, cause);
                    stopped.set(true);
                }
            });
        }

        private boolean stopping() {
            return stopped.get() || cancel.get();
        }

        private ExecutorService generationPool() {
            if (generationPool == null) {
                generationPool = Executors.newFixedThreadPool(options.generationParallelism(), threads("plumbline-eval-generate"));
            }
            return generationPool;
        }

        private ExecutorService judgePool() {
            if (judgePool == null) {
                judgePool = Executors.newFixedThreadPool(options.judgeParallelism(), threads("plumbline-eval-judge"));
            }
            return judgePool;
        }

        private void await(CompletableFuture<Void> all) {
            while (true) {
                Throwable failed = failure.get();
                if (failed != null) {
                    if (failed instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IllegalStateException("evaluation failed: " + failed, failed);
                }
                if (stopping() || Thread.currentThread().isInterrupted()) {
                    throw cancelled();
                }
                try {
                    all.get(100, TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    // poll the cancel flag
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw cancelled();
                } catch (ExecutionException e) {
                    // A cancelled sample; the failure or cancel flag is checked on the next turn.
                    stopped.set(true);
                }
            }
        }

        private CancellationException cancelled() {
            stopped.set(true);
            return new CancellationException("evaluation of suite '" + plan.suite().id() + "' cancelled after "
                    + done.get() + " of " + plan.totalSamples() + " samples; rerun with the same store to resume");
        }

        private void shutdown() {
            for (ExecutorService pool : new ExecutorService[] {generationPool, judgePool}) {
                if (pool != null) {
                    if (stopping()) {
                        pool.shutdownNow();
                    } else {
                        pool.shutdown();
                    }
                }
            }
            for (ExecutorService pool : new ExecutorService[] {generationPool, judgePool}) {
                try {
                    if (pool != null) {
                        pool.awaitTermination(30, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private List<SampleRecord> ordered(List<SampleTask> tasks) {
            List<SampleRecord> out = new ArrayList<>(tasks.size());
            for (SampleTask t : tasks) {
                SampleRecord r = records.get(t.key());
                if (r != null) {
                    out.add(r);
                }
            }
            return out;
        }

        private void keep(SampleRecord r) {
            records.put(r.key(), r);
            reused++;
            done.incrementAndGet();
            remaining.get(r.key().candidateId()).decrementAndGet();
        }

        private List<EvaluationPlan.PlannedDimension> applicable(EvalItem item) {
            return plan.dimensions().stream().filter(d -> d.spec().where().matches(item)).toList();
        }

        private List<EvaluationPlan.PlannedDimension> staleDimensions(SampleTask t, SampleRecord old) {
            List<EvaluationPlan.PlannedDimension> out = new ArrayList<>();
            for (EvaluationPlan.PlannedDimension d : applicable(t.item())) {
                DimensionResult r = old.dimensions().get(d.name());
                if (r == null || !r.configHash().equals(d.configHash()) || !r.valid() && options.retryFailed()) {
                    out.add(d);
                }
            }
            return out;
        }

        // -------------------------------------------------------------------------------- responses

        private SampleRecord respond(SampleTask t) {
            if (stopping()) {
                throw new CancellationException();
            }
            if (plan.suite().task() == Suite.Task.CHOICE_LOGLIKELIHOOD) {
                return scoreChoice(t);
            }
            List<ChatTurn> messages = new ArrayList<>(t.firstMessages());
            List<String> responses = new ArrayList<>();
            if (t.candidate().responses() != null) {
                PrecomputedResponses.Row row = t.candidate().responses().find(t.item(), t.sampleIndex()).orElse(null);
                if (row == null) {
                    return record(t, messages, responses, GenerationInfo.NONE, "no response for item '" + t.item().id()
                            + "' sample " + t.sampleIndex() + " in " + t.candidate().responses().fileName(), Map.of());
                }
                for (int turn = 0; turn < Math.min(row.responses().size(), t.item().turns().size()); turn++) {
                    if (turn > 0) {
                        messages.add(ChatTurn.user(t.item().turns().get(turn)));
                    }
                    messages.add(ChatTurn.assistant(row.responses().get(turn)));
                    responses.add(row.responses().get(turn));
                }
                return record(t, messages, responses, GenerationInfo.NONE, "", Map.of());
            }
            List<String> keys = new ArrayList<>();
            int hits = 0;
            int promptTokens = 0;
            int completionTokens = 0;
            boolean byLength = false;
            long started = System.nanoTime();
            try {
                for (int turn = 0; turn < t.item().turns().size(); turn++) {
                    if (turn > 0) {
                        messages.add(ChatTurn.user(t.item().turns().get(turn)));
                    }
                    String key = GenerationKeys.callKey(t.candidate().identity(), messages, t.settings(), t.sampleIndex());
                    keys.add(key);
                    CachedGeneration g = cache.get(key).orElse(null);
                    if (g != null) {
                        hits++;
                    } else {
                        Generation out = t.candidate().model().chat(List.copyOf(messages), t.settings(), text -> { });
                        g = new CachedGeneration(out.text(), out.promptTokens(), out.tokenIds().size(), out.finishedByLength());
                        cache.put(key, g);
                    }
                    promptTokens += g.promptTokens();
                    completionTokens += g.completionTokens();
                    byLength |= g.finishedByLength();
                    messages.add(ChatTurn.assistant(g.text()));
                    responses.add(g.text());
                }
            } catch (RuntimeException e) {
                return record(t, messages, List.of(), new GenerationInfo(keys, hits, promptTokens, completionTokens, byLength,
                        elapsed(started)), "generation failed: " + describe(e), Map.of());
            }
            return record(t, messages, responses, new GenerationInfo(keys, hits, promptTokens, completionTokens, byLength,
                    hits == keys.size() ? 0 : elapsed(started)), "", Map.of());
        }

        /** Two-way choice by teacher-forced log-likelihood; strictly higher for the correct option is correct. */
        private SampleRecord scoreChoice(SampleTask t) {
            EvaluationPlan.PlannedDimension dim = plan.dimensions().stream()
                    .filter(d -> d.spec().kind() == Suite.DimensionKind.CHOICE).findFirst().orElseThrow();
            List<ChatTurn> messages = t.firstMessages();
            long started = System.nanoTime();
            List<SequenceLogProbs> lps;
            try {
                lps = t.candidate().model().logProbs(List.of(messages, messages), t.choiceCompletions());
                if (lps == null || lps.size() != 2) {
                    throw new IllegalStateException("logProbs returned " + (lps == null ? "nothing" : lps.size() + " results") + " for 2 options");
                }
            } catch (RuntimeException e) {
                return record(t, messages, List.of(), GenerationInfo.NONE, "log-likelihood scoring failed: " + describe(e), Map.of());
            }
            double a = lps.get(0).total();
            double b = lps.get(1).total();
            double correctLp = t.choiceSwapped() ? b : a;
            double incorrectLp = t.choiceSwapped() ? a : b;
            GenerationInfo info = new GenerationInfo(List.of(), 0, 0, 0, false, elapsed(started));
            if (!Double.isFinite(a) || !Double.isFinite(b)) {
                DimensionResult failed = new DimensionResult(CHOICE_SCORER, dim.configHash(), VerdictStatus.ERROR, null, Map.of(), "",
                        choiceProvenance(), "non-finite log-likelihood (A " + a + ", B " + b + ")", null);
                return record(t, messages, List.of(""), info, "", Map.of(dim.name(), failed));
            }
            boolean pickedA = a > b;
            String chosen = t.choiceCompletions().get(pickedA ? 0 : 1);
            double correct = correctLp > incorrectLp ? 1.0 : 0.0;
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("correct", correct);
            values.put("logprob_correct", correctLp);
            values.put("logprob_incorrect", incorrectLp);
            values.put("correct_shown_as_a", t.choiceSwapped() ? 0.0 : 1.0);
            DimensionResult result = new DimensionResult(CHOICE_SCORER, dim.configHash(), VerdictStatus.VALID, correct, values,
                    String.format(java.util.Locale.ROOT, "log p(A)=%.4f, log p(B)=%.4f; correct option shown as %s",
                            a, b, t.choiceSwapped() ? "B" : "A"), choiceProvenance(), "", null);
            return record(t, messages, List.of(chosen), info, "", Map.of(dim.name(), result));
        }

        private Provenance choiceProvenance() {
            return new Provenance(CHOICE_SCORER, "1", "", "");
        }

        private SampleRecord record(SampleTask t, List<ChatTurn> messages, List<String> responses, GenerationInfo info,
                String error, Map<String, DimensionResult> dimensions) {
            return new SampleRecord(t.key(), t.item().subset(), t.item().category(), t.requestKey(), t.seed(), messages,
                    responses, info, error, dimensions, Instant.now().toString());
        }

        // -------------------------------------------------------------------------------- judging

        private CompletableFuture<SampleRecord> judge(SampleTask t, SampleRecord r, List<EvaluationPlan.PlannedDimension> dims) {
            List<CompletableFuture<Map.Entry<String, DimensionResult>>> parts = new ArrayList<>();
            for (EvaluationPlan.PlannedDimension d : dims) {
                if (d.spec().kind() == Suite.DimensionKind.CHOICE) {
                    continue;
                }
                parts.add(CompletableFuture.supplyAsync(() -> Map.entry(d.name(), judgeOne(t, r, d)), judgePool()));
            }
            return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
                Map<String, DimensionResult> merged = new LinkedHashMap<>(r.dimensions());
                // Verdicts for dimensions the suite no longer has are dropped.
                merged.keySet().retainAll(plan.dimensions().stream().map(EvaluationPlan.PlannedDimension::name).toList());
                parts.forEach(p -> merged.put(p.join().getKey(), p.join().getValue()));
                return new SampleRecord(r.key(), r.subset(), r.category(), r.requestKey(), r.seed(), r.messages(), r.responses(),
                        r.generation(), r.generationError(), merged, Instant.now().toString());
            });
        }

        private DimensionResult judgeOne(SampleTask t, SampleRecord r, EvaluationPlan.PlannedDimension d) {
            if (stopping()) {
                throw new CancellationException();
            }
            Suite.Dimension spec = d.spec();
            int turn = spec.turn() == 0 ? t.item().turns().size() : spec.turn();
            String judgeId = spec.judge();
            Provenance fallback = new Provenance(judgeId, d.judgeVersion(), "", "");
            if (r.responses().size() < turn) {
                return failure(d, VerdictStatus.ERROR, "the candidate gave no response for turn " + turn, fallback);
            }
            String prompt = t.item().turns().get(turn - 1);
            String response = r.responses().get(turn - 1);
            List<ChatTurn> history = history(r.messages(), turn);
            String category = spec.sampleCategory() != null ? spec.sampleCategory() : t.item().category();
            String id = t.key() + ":" + spec.name();
            String field = "dimensions." + spec.name();
            try {
                if (spec.kind() == Suite.DimensionKind.PAIRWISE) {
                    ComparisonPair pair = new ComparisonPair(id, prompt, response, t.item().baseline(), t.item().reference(turn),
                            category, history);
                    PairwiseVerdict v = d.judge().compare(List.of(pair), field).get(0);
                    if (v.status() != VerdictStatus.VALID) {
                        return failure(d, v.status(), v.error(), v.provenance() == null ? fallback : v.provenance());
                    }
                    if (v.preference() == null) {
                        return failure(d, VerdictStatus.ERROR, "a VALID pairwise verdict without a preference", v.provenance());
                    }
                    double p = Double.isNaN(v.probabilityA())
                            ? (v.preference() == Preference.A ? 1.0 : v.preference() == Preference.B ? 0.0 : 0.5)
                            : v.probabilityA();
                    if (!(p >= 0 && p <= 1)) {
                        return failure(d, VerdictStatus.ERROR, "probability_a outside [0, 1]: " + p, v.provenance());
                    }
                    Map<String, Double> values = new LinkedHashMap<>(v.values());
                    values.put("probability_a", p);
                    return new DimensionResult(judgeId, d.configHash(), VerdictStatus.VALID, p, values, v.explanation(),
                            v.provenance(), "", new DimensionResult.Pairwise(t.item().baselineModel(), v.preference(), p,
                            v.positionConsistent()));
                }
                JudgeSample sample = new JudgeSample(id, prompt, response, category, t.item().reference(turn), history,
                        Map.of("item_id", t.item().id(), "subset", t.item().subset(), "candidate", t.candidate().id()));
                Verdict v = d.judge().score(List.of(sample), field).get(0);
                if (!v.isValid()) {
                    return failure(d, v.status(), v.error(), v.provenance() == null ? fallback : v.provenance());
                }
                Double value = v.values().get(spec.value());
                if (value == null) {
                    return failure(d, VerdictStatus.ERROR, "judge '" + judgeId + "' returned no value '" + spec.value()
                            + "' (it returned: " + String.join(", ", new TreeMap<>(v.values()).keySet()) + ")", v.provenance());
                }
                if (!Double.isFinite(value)) {
                    return failure(d, VerdictStatus.ERROR, "value '" + spec.value() + "' is not finite: " + value, v.provenance());
                }
                return new DimensionResult(judgeId, d.configHash(), VerdictStatus.VALID, value, v.values(), v.explanation(),
                        v.provenance(), "", null);
            } catch (InvalidInputException e) {
                // A sample the judge rejects (e.g. an unknown category) fails this verdict, not the run.
                return failure(d, VerdictStatus.ERROR, e.getMessage(), fallback);
            } catch (CancellationException e) {
                throw e;
            } catch (RuntimeException e) {
                return failure(d, VerdictStatus.ERROR, "judge failed: " + describe(e), fallback);
            }
        }

        private DimensionResult failure(EvaluationPlan.PlannedDimension d, VerdictStatus status, String error, Provenance p) {
            return new DimensionResult(d.judgeId(), d.configHash(), status == VerdictStatus.VALID ? VerdictStatus.ERROR : status,
                    null, Map.of(), "", p, error == null || error.isEmpty() ? status.name() : error, null);
        }

        /** The conversation before the judged user turn, without the system message. */
        private List<ChatTurn> history(List<ChatTurn> messages, int turn) {
            List<ChatTurn> out = new ArrayList<>();
            int users = 0;
            for (ChatTurn m : messages) {
                if (m.role().equals("system")) {
                    continue;
                }
                if (m.role().equals("user") && ++users == turn) {
                    break;
                }
                out.add(m);
            }
            return out;
        }

        // -------------------------------------------------------------------------------- completion

        private void complete(SampleRecord r) {
            if (stopping() && !r.generated()) {
                // An interrupted model call is not a real failure: leave it for the resumed run.
                return;
            }
            store.save(r);
            records.put(r.key(), r);
            if (!r.generated()) {
                generationFailures.incrementAndGet();
            }
            judgeFailures.addAndGet((int) r.dimensions().values().stream().filter(d -> !d.valid()).count());
            done.incrementAndGet();
            synchronized (listenerLock) {
                listener.sampleCompleted(r, progress());
            }
            if (remaining.get(r.key().candidateId()).decrementAndGet() == 0) {
                settle(r.key().candidateId());
            }
        }

        private void settle(String candidateId) {
            List<SampleRecord> mine = records.values().stream().filter(r -> r.key().candidateId().equals(candidateId)).toList();
            CandidateResult result = ReportBuilder.candidate(plan, plan.candidate(candidateId).orElseThrow(), mine, options);
            synchronized (listenerLock) {
                listener.candidateSettled(result);
            }
        }

        private RunProgress progress() {
            return new RunProgress(done.get(), plan.totalSamples(), reused, generationFailures.get(), judgeFailures.get());
        }
    }

    private static long elapsed(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isEmpty() ? "" : ": " + m);
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
