package dev.plumbline.server.train;

import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.checkpoint.SafetensorsCheckpoint;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.engine.run.IllegalRunTransitionException;
import dev.plumbline.engine.run.RunKind;
import dev.plumbline.engine.run.RunState;
import dev.plumbline.engine.runtime.NativeEngines;
import dev.plumbline.engine.train.TrainerEvent;
import dev.plumbline.engine.train.TrainerListener;
import dev.plumbline.engine.train.TrainingCheckpoints;
import dev.plumbline.engine.train.TrainingLoop;
import dev.plumbline.engine.train.TrainingPlan;
import dev.plumbline.engine.train.TrainingPlanner;
import dev.plumbline.engine.train.TrainingRequest;
import dev.plumbline.engine.train.TrainingResult;
import dev.plumbline.server.config.PlumblineConfig;
import dev.plumbline.server.grpc.FeatureUnavailableException;
import dev.plumbline.server.model.ModelNotFoundException;
import dev.plumbline.server.run.RunSnapshot;
import dev.plumbline.server.run.RunStore;
import dev.plumbline.spi.InvalidInputException;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Training runs: validates a request completely by planning it (every data set line is read),
 * persists it as a run, trains on a bounded worker pool, streams the trainer's progress, metrics,
 * checkpoints and messages as run events, records checkpoints in the database, and continues runs
 * a crash or a restart left unfinished from their newest checkpoint (weights, optimizer and trainer
 * state; the RNG is a function of the seed and the step), so they end with the weights an
 * uninterrupted run ends with.
 *
 * <p>Models are addressed as the {@code local} provider addresses them: {@code base_model} and
 * {@code output} are model ids, i.e. directories under {@code <data-dir>/models}.
 */
@ApplicationScoped
public class TrainingService {

    /** Model ids: '/'-separated segments of letters, digits, '.', '_' and '-', not starting with '.'. */
    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");
    /** The local provider lists models up to this many directories below the models directory. */
    private static final int MAX_OUTPUT_DEPTH = 4;

    private final RunStore runs;
    private final TrainingStorage storage;
    private final PluginRegistry registry;
    private final PlumblineConfig config;
    private final ExecutorService workers;
    private final Map<String, AtomicBoolean> cancelFlags = new ConcurrentHashMap<>();
    private volatile boolean shuttingDown;

    public TrainingService(RunStore runs, TrainingStorage storage, PluginRegistry registry, PlumblineConfig config) {
        this.runs = runs;
        this.storage = storage;
        this.registry = registry;
        this.config = config;
        int concurrent = config.training().maxConcurrentRuns();
        if (concurrent < 1) {
            throw new IllegalArgumentException("plumbline.training.max-concurrent-runs must be >= 1");
        }
        AtomicInteger threads = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(concurrent, r -> {
            Thread t = new Thread(r, "plumbline-training-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void onShutdown(@Observes ShutdownEvent event) {
        shuttingDown = true; // running trainers stop before their next step and stay RUNNING
        workers.shutdownNow(); // interrupted runs continue from their last checkpoint at the next start
    }

    /** The models directory of the {@code local} provider. */
    public Path modelsDir() {
        return config.dataDir().resolve("models").toAbsolutePath().normalize();
    }

    /**
     * Validates (plans) the run — unknown ids, bad parameters, a bad data set line all fail here,
     * before any run exists — then queues it.
     */
    public synchronized RunSnapshot start(TrainingConfig request) {
        String runId = UUID.randomUUID().toString();
        Prepared prepared = prepare(request, runId, true);
        RunSnapshot run = runs.create(RunKind.TRAINING, runId, request.name(), prepared.config().toJson(),
                prepared.totalSteps());
        cancelFlags.put(run.id(), new AtomicBoolean());
        workers.execute(() -> execute(run.id(), prepared.config(), prepared, TrainerListener.NONE));
        return run;
    }

    /**
     * Plans, records and runs a training on the calling thread (the CLI); {@code listener} sees the
     * trainer's events too.
     */
    public Outcome runHere(TrainingConfig request, TrainerListener listener) {
        String runId = UUID.randomUUID().toString();
        Prepared prepared;
        RunSnapshot run;
        synchronized (this) {
            prepared = prepare(request, runId, true);
            run = runs.create(RunKind.TRAINING, runId, request.name(), prepared.config().toJson(), prepared.totalSteps());
            cancelFlags.put(run.id(), new AtomicBoolean());
        }
        TrainingResult result = execute(run.id(), prepared.config(), prepared, listener);
        return new Outcome(runs.get(RunKind.TRAINING, run.id()), result, prepared.config().output(), prepared.outputDir());
    }

    /**
     * A run's final state; {@code result} is {@code null} unless it trained to the end.
     *
     * @param outputModel the trained model's id (listed by ModelService.ListModels once it succeeded)
     */
    public record Outcome(RunSnapshot run, TrainingResult result, String outputModel, Path outputDir) {}

    /** Cancels a queued or running training; a running trainer stops before its next step (its checkpoints stay). */
    public RunSnapshot cancel(String runId, String reason) {
        String message = reason == null || reason.isBlank() ? "cancelled by request" : "cancelled: " + reason;
        RunSnapshot run = runs.transition(RunKind.TRAINING, runId, RunState.CANCELLED, message);
        AtomicBoolean flag = cancelFlags.get(runId);
        if (flag != null) {
            flag.set(true);
        }
        return run;
    }

    /** Whether this process is executing (or has queued) the run. */
    public boolean executing(String runId) {
        return cancelFlags.containsKey(runId);
    }

    /** The checkpoints (and final model) the run recorded, by step. */
    public List<TrainingStorage.CheckpointRecord> checkpoints(String runId) {
        return storage.list(runId);
    }

    /**
     * Queues every training left RUNNING or QUEUED (a crash, a kill, a shutdown mid-run); each
     * continues from the newest complete checkpoint in its output directory. Called once when the
     * server starts serving.
     */
    public List<String> resumeUnfinished() {
        List<RunSnapshot> unfinished = new ArrayList<>();
        unfinished.addAll(runs.all(RunKind.TRAINING, RunState.RUNNING));
        unfinished.addAll(runs.all(RunKind.TRAINING, RunState.QUEUED));
        unfinished.sort((a, b) -> a.createdAt().compareTo(b.createdAt()));
        List<String> resumed = new ArrayList<>();
        for (RunSnapshot run : unfinished) {
            if (cancelFlags.containsKey(run.id())) {
                continue; // started by this process
            }
            TrainingConfig request;
            try {
                request = TrainingConfig.fromJson(run.configJson());
            } catch (RuntimeException e) {
                runs.endIfActive(RunKind.TRAINING, run.id(), RunState.FAILED, "cannot resume: " + e.getMessage());
                continue;
            }
            if (run.state() == RunState.RUNNING) {
                String from;
                try {
                    Path latest = TrainingCheckpoints.latest(outputDir(request.output()));
                    from = latest == null ? "no checkpoint was written yet, so it starts over"
                            : "it continues from " + latest.getFileName();
                } catch (RuntimeException e) {
                    from = "its checkpoints cannot be listed (" + e.getMessage() + ")";
                }
                try {
                    runs.transition(RunKind.TRAINING, run.id(), RunState.QUEUED, "re-queued after a restart; " + from);
                } catch (IllegalRunTransitionException e) {
                    continue; // another instance took it, or it was cancelled meanwhile
                }
            }
            cancelFlags.put(run.id(), new AtomicBoolean());
            workers.execute(() -> execute(run.id(), request, null, TrainerListener.NONE));
            resumed.add(run.id());
        }
        if (!resumed.isEmpty()) {
            Log.infof("Resuming %d unfinished training run(s): %s", resumed.size(), resumed);
        }
        return resumed;
    }

    // ------------------------------------------------------------------------------------------ execution

    private TrainingResult execute(String runId, TrainingConfig request, Prepared planned, TrainerListener extra) {
        AtomicBoolean cancel = cancelFlags.computeIfAbsent(runId, id -> new AtomicBoolean());
        try {
            RunSnapshot run = runs.get(RunKind.TRAINING, runId);
            if (run.state() != RunState.QUEUED) {
                return null; // cancelled while queued
            }
            runs.transition(RunKind.TRAINING, runId, RunState.RUNNING, "running");
            Prepared prepared = planned != null ? planned : prepare(request, runId, false);
            TrainingResult result = TrainingLoop.run(prepared.plan(), new RunEvents(runId, extra),
                    () -> cancel.get() || shuttingDown);
            if (result.cancelled()) {
                if (cancel.get()) {
                    runs.endIfActive(RunKind.TRAINING, runId, RunState.CANCELLED, "cancelled");
                } else {
                    Log.infof("Training run %s stopped by shutdown at step %d; it continues at the next start", runId,
                            result.steps());
                }
                return null;
            }
            storage.record(runId, result.steps(), TrainingStorage.FINAL, prepared.outputDir());
            runs.transition(RunKind.TRAINING, runId, RunState.SUCCEEDED, "succeeded: model " + prepared.config().output()
                    + " after " + result.steps() + " steps" + headline(result.metrics()));
            return result;
        } catch (InvalidInputException e) {
            runs.endIfActive(RunKind.TRAINING, runId, RunState.FAILED, e.getMessage());
        } catch (IllegalRunTransitionException e) {
            Log.debugf("run %s changed state concurrently: %s", runId, e.getMessage());
        } catch (RuntimeException | Error e) {
            if (shuttingDown && !cancel.get()) {
                Log.infof("Training run %s stopped by shutdown (%s); it continues at the next start", runId, e);
            } else {
                Log.errorf(e, "Training run %s failed", runId);
                runs.endIfActive(RunKind.TRAINING, runId, RunState.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        } finally {
            cancelFlags.remove(runId);
        }
        return null;
    }

    private static String headline(Map<String, Double> metrics) {
        Double loss = metrics.get("loss");
        return loss == null || !Double.isFinite(loss) ? "" : String.format(Locale.ROOT, " (loss %.4f)", loss);
    }

    /** Turns the trainer's events into run events: progress, metrics, checkpoints (also recorded), messages. */
    private final class RunEvents implements TrainerListener {
        private final String runId;
        private final TrainerListener extra;

        RunEvents(String runId, TrainerListener extra) {
            this.runId = runId;
            this.extra = extra == null ? TrainerListener.NONE : extra;
        }

        @Override
        public void onEvent(TrainerEvent event) {
            if (event instanceof TrainerEvent.Started s) {
                runs.progress(RunKind.TRAINING, runId, s.startStep(), s.totalSteps());
                if (s.resumedFrom() != null) {
                    storage.record(runId, s.startStep(), TrainingStorage.CHECKPOINT, s.resumedFrom());
                    runs.log(RunKind.TRAINING, runId, "resumed from " + s.resumedFrom().getFileName() + " (step "
                            + s.startStep() + " of " + s.totalSteps() + "): weights, optimizer and trainer state restored");
                } else {
                    runs.log(RunKind.TRAINING, runId, "training started: " + s.totalSteps() + " steps");
                }
            } else if (event instanceof TrainerEvent.Step s) {
                Map<String, Double> finite = new LinkedHashMap<>();
                s.metrics().forEach((k, v) -> {
                    if (v != null && Double.isFinite(v)) {
                        finite.put(k, v);
                    }
                });
                runs.metrics(RunKind.TRAINING, runId, s.step(), finite);
                runs.progress(RunKind.TRAINING, runId, s.step(), s.totalSteps());
            } else if (event instanceof TrainerEvent.CheckpointSaved c) {
                storage.record(runId, c.step(), TrainingStorage.CHECKPOINT, c.directory());
                runs.log(RunKind.TRAINING, runId, "saved checkpoint " + c.directory().getFileName() + " (step "
                        + c.step() + ")");
            } else if (event instanceof TrainerEvent.Message m) {
                runs.log(RunKind.TRAINING, runId, m.text());
            }
            extra.onEvent(event);
        }
    }

    // ------------------------------------------------------------------------------------------ request

    /** A request made concrete: output filled in, paths absolute, plan checked. */
    private record Prepared(TrainingConfig config, TrainingPlan plan, int totalSteps, Path outputDir) {}

    /**
     * Resolves ids and paths and plans the run. {@code fresh}: a new run (the output must not be a
     * model already, nor the output of another unfinished run); otherwise a stored run resuming.
     */
    private Prepared prepare(TrainingConfig request, String runId, boolean fresh) {
        registry.algorithm(request.algorithm()); // an unknown algorithm is the first thing to report
        if (!NativeEngines.pytorch()) {
            throw new FeatureUnavailableException(NativeEngines.missing("TrainingService.StartTraining",
                    "the DJL PyTorch engine"));
        }
        Path base = baseModel(request.baseModel());
        Path dataset = dataFile(request.dataset(), "dataset");
        Path promptSet = dataFile(request.promptSet(), "prompt_set");
        String output = request.output().isBlank() ? defaultOutput(request, base, runId) : request.output().strip();
        Path outputDir = outputDir(output);
        if (fresh) {
            checkOutputFree(output, outputDir, base);
        }
        TrainingConfig resolved = request.with(dataset == null ? "" : dataset.toString(),
                promptSet == null ? "" : promptSet.toString(), output);
        TrainingRequest engineRequest = new TrainingRequest(request.algorithm(), request.parameters(), base, dataset,
                promptSet, request.judge(), request.judgeParameters(), request.seed(), outputDir, request.trainer());
        TrainingPlan plan = new TrainingPlanner(registry).plan(engineRequest);
        int total = TrainingLoop.totalSteps(plan);
        if (total < 1) {
            throw new InvalidInputException("trainer.max_steps", "the run would take no step (" + plan.dataSize()
                    + " examples); set max_steps or num_train_epochs");
        }
        return new Prepared(resolved, plan, total, outputDir);
    }

    /** The checkpoint directory of a base model id ({@code local:} prefix allowed) or an absolute checkpoint path. */
    private Path baseModel(String id) {
        if (id == null || id.isBlank()) {
            throw new InvalidInputException("base_model", "is required: a local model id (see ListModels)");
        }
        String modelId = id.strip();
        if (modelId.startsWith("local:")) {
            modelId = modelId.substring("local:".length());
        }
        Path dir;
        Path root = modelsDir();
        if (Path.of(modelId).isAbsolute()) {
            dir = Path.of(modelId).normalize();
        } else {
            dir = root.resolve(modelId).normalize();
            if (!dir.startsWith(root) || dir.equals(root)) {
                throw new InvalidInputException("base_model", "'" + id + "' is not a model id inside the models directory");
            }
        }
        if (!Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.CONFIG))
                || !(Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.WEIGHTS))
                        || Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.INDEX)))) {
            throw new ModelNotFoundException("base_model", "no local model '" + id + "' (no config.json and"
                    + " model.safetensors in " + dir + "); training starts from a local Llama checkpoint");
        }
        try {
            LlamaConfig.read(dir.resolve(SafetensorsCheckpoint.CONFIG));
        } catch (InvalidInputException e) {
            throw new InvalidInputException("base_model", "'" + id + "' is not a Llama checkpoint Plumbline can train: "
                    + e.getMessage());
        }
        return dir;
    }

    /** A server-side data file; relative paths resolve against the data directory. {@code null} when empty. */
    private Path dataFile(String value, String field) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Path given = Path.of(value.strip());
        Path file = given.isAbsolute() ? given : config.dataDir().resolve(given);
        file = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(field, "no such file: " + file
                    + (given.isAbsolute() ? "" : " (relative paths resolve against plumbline.data-dir)"));
        }
        return file;
    }

    private static String defaultOutput(TrainingConfig request, Path base, String runId) {
        String baseId = request.baseModel().strip();
        if (baseId.startsWith("local:")) {
            baseId = baseId.substring("local:".length());
        }
        if (Path.of(baseId).isAbsolute()) {
            baseId = base.getFileName().toString();
        }
        String algorithm = request.algorithm().strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
        return baseId + "-" + algorithm + "-" + runId.substring(0, 8);
    }

    /** The directory of output model id {@code id} under the models directory; bad ids are INVALID_ARGUMENT output. */
    private Path outputDir(String id) {
        if (!MODEL_ID.matcher(id).matches()) {
            throw new InvalidInputException("output", "'" + id + "' is not a model id: '/'-separated names of letters,"
                    + " digits, '.', '_' and '-'");
        }
        String[] segments = id.split("/");
        if (segments.length > MAX_OUTPUT_DEPTH) {
            throw new InvalidInputException("output", "'" + id + "' is nested " + segments.length + " deep; at most "
                    + MAX_OUTPUT_DEPTH + " levels are listed as models");
        }
        for (String s : segments) {
            if (s.equals("..") || s.matches("checkpoint-\\d+")) {
                throw new InvalidInputException("output", "'" + id + "' may not contain '" + s + "'");
            }
        }
        Path root = modelsDir();
        Path dir = root.resolve(id).normalize();
        if (!dir.startsWith(root) || dir.equals(root)) {
            throw new InvalidInputException("output", "'" + id + "' is not inside the models directory");
        }
        return dir;
    }

    private void checkOutputFree(String id, Path dir, Path base) {
        if (Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.CONFIG))) {
            throw new InvalidInputException("output", "model '" + id + "' exists; choose another output");
        }
        if (base.startsWith(dir)) {
            throw new InvalidInputException("output", "'" + id + "' contains the base model");
        }
        if (Files.isRegularFile(dir) || hasModelBelow(dir)) {
            throw new InvalidInputException("output", "'" + id + "' exists and is not a training output directory");
        }
        for (RunState state : List.of(RunState.QUEUED, RunState.RUNNING)) {
            for (RunSnapshot other : runs.all(RunKind.TRAINING, state)) {
                String otherOutput;
                try {
                    otherOutput = TrainingConfig.fromJson(other.configJson()).output();
                } catch (RuntimeException e) {
                    continue;
                }
                if (id.equals(otherOutput)) {
                    throw new InvalidInputException("output", "'" + id + "' is being written by run " + other.id()
                            + " (" + other.state() + ")");
                }
            }
        }
    }

    /** A directory holding models other than its own checkpoints (e.g. a parent of other models). */
    private static boolean hasModelBelow(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> walk = Files.walk(dir, MAX_OUTPUT_DEPTH)) {
            return walk.filter(p -> !p.equals(dir) && Files.isRegularFile(p.resolve(SafetensorsCheckpoint.CONFIG)))
                    .anyMatch(p -> !p.getParent().equals(dir) || !p.getFileName().toString().matches("checkpoint-\\d+(\\.partial)?"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
