package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ModelEngine;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.train.AdamW;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Runs a {@link TrainingPlan}: loads the policy (from the newest checkpoint under the output
 * directory when there is one, else from the base model), builds AdamW over the trainable
 * weights, lets the recipe's {@link AlgorithmTrainer} take its steps, reports metrics every
 * {@code logging_steps}, writes {@code checkpoint-<step>} every {@code save_steps}, and finally
 * writes the trained model into the output directory. Running the same plan again after a crash
 * continues from the last checkpoint and ends with the weights an uninterrupted run ends with.
 */
public final class TrainingLoop {

    private TrainingLoop() {}

    /**
     * @param cancelled polled before every step; when it turns true the run stops (its checkpoints stay)
     */
    public static TrainingResult run(TrainingPlan plan, TrainerListener listener, BooleanSupplier cancelled) {
        TrainerListener events = listener == null ? TrainerListener.NONE : listener;
        Path out = plan.request().outputDir();
        Path resume = TrainingCheckpoints.latest(out);
        TrainerSettings settings = plan.settings();
        try (NDManager manager = ModelEngine.newManager()) {
            LocalCheckpoint policy = LocalCheckpoint.load(resume != null ? resume : plan.request().baseModel(), manager);
            TrainingContext context = new TrainingContext(plan, policy, manager, events);
            AlgorithmTrainer trainer = create(plan);
            try {
                return train(plan, trainer, context, resume, events, cancelled);
            } finally {
                policy.model().setRequiresGradient(false);
                trainer.close();
                context.close();
                policy.close();
            }
        }
    }

    private static TrainingResult train(TrainingPlan plan, AlgorithmTrainer trainer, TrainingContext context,
            Path resume, TrainerListener events, BooleanSupplier cancelled) {
        TrainerSettings settings = plan.settings();
        Path out = plan.request().outputDir();
        LocalCheckpoint policy = context.policy();
        int total = trainer.totalSteps();
        Map<String, NDArray> trainable = new LinkedHashMap<>(policy.model().parameters());
        Map<String, NDArray> extra = trainer.extraParameters(context, resume);
        for (Map.Entry<String, NDArray> e : extra.entrySet()) {
            if (trainable.putIfAbsent(e.getKey(), e.getValue()) != null) {
                throw new IllegalStateException("trainer weight " + e.getKey() + " clashes with a policy weight");
            }
        }
        for (NDArray p : trainable.values()) {
            p.setRequiresGradient(true);
        }
        try (AdamW optimizer = new AdamW(trainable, settings.adamBeta1(), settings.adamBeta2(), settings.adamEpsilon(),
                settings.weightDecay(), name -> !LlamaModel.isNormWeight(name) && !name.endsWith(".bias"),
                context.manager())) {
            int start = 0;
            JsonArray history = new JsonArray();
            MetricMeans window = new MetricMeans();
            Map<String, Double> optimizerMetrics = new LinkedHashMap<>();
            if (resume != null) {
                TrainingCheckpoints.State state = TrainingCheckpoints.state(resume);
                TrainingCheckpoints.restoreOptimizer(resume, optimizer, state.optimizerSteps());
                start = state.globalStep();
                history = state.logHistory();
                window = state.pendingMetrics();
                state.lastOptimizerMetrics().entrySet().forEach(e -> optimizerMetrics.put(e.getKey(),
                        e.getValue().getAsDouble()));
            }
            context.optimizer(optimizer, settings.schedule(total));
            events.onEvent(new TrainerEvent.Started(start, total, resume));
            trainer.prepare(context);
            Map<String, Double> last = Map.of();
            int step = start;
            while (step < total) {
                if (cancelled.getAsBoolean()) {
                    return new TrainingResult(step, null, true, last);
                }
                window.addAll(trainer.step(step, context));
                optimizerMetrics.putAll(context.lastOptimizerMetrics()); // the last step's, not a mean
                step++;
                if (step % settings.loggingSteps() == 0 || step == total) {
                    Map<String, Double> logged = window.drain();
                    logged.putAll(optimizerMetrics);
                    logged.put("epoch", trainer.epochAt(step));
                    last = logged;
                    history.add(logEntry(step, logged));
                    events.onEvent(new TrainerEvent.Step(step, total, logged));
                }
                if (settings.saveSteps() > 0 && step % settings.saveSteps() == 0 && step < total) {
                    Path dir = TrainingCheckpoints.save(out, step, policy, optimizer,
                            trainerState(plan, step, total, optimizer, history, trainer.epochAt(step), window,
                                    optimizerMetrics), trainer::saveExtra, settings.saveTotalLimit());
                    events.onEvent(new TrainerEvent.CheckpointSaved(step, dir));
                }
            }
            TrainingCheckpoints.writeModelDir(out, policy, null,
                    trainerState(plan, step, total, optimizer, history, trainer.epochAt(step), new MetricMeans(),
                            Map.of()), trainer::saveExtra);
            TrainingCheckpoints.writeJson(out.resolve("training_args.json"), trainingArgs(plan));
            return new TrainingResult(step, out, false, last);
        }
    }

    /** Steps the plan will take (known before any model is loaded: progress totals, validation). */
    public static int totalSteps(TrainingPlan plan) {
        AlgorithmTrainer trainer = create(plan);
        try {
            return trainer.totalSteps();
        } finally {
            trainer.close();
        }
    }

    static AlgorithmTrainer create(TrainingPlan plan) {
        return switch (plan.recipe()) {
            case PAIRED_PREFERENCE, ODDS_RATIO_PREFERENCE -> new PreferenceTrainer(plan);
            case UNPAIRED_PREFERENCE -> new KtoTrainer(plan);
            case GROUP_REWARD -> new GroupRewardTrainer(plan);
            case ACTOR_CRITIC -> new PpoTrainer(plan);
            case SELF_PLAY -> new SppoTrainer(plan);
            case NASH_MIRROR_DESCENT -> new NashMdTrainer(plan);
            case ONLINE_PREFERENCE -> new OnlineDpoTrainer(plan);
        };
    }

    private static JsonObject logEntry(int step, Map<String, Double> metrics) {
        JsonObject o = new JsonObject();
        o.addProperty("step", step);
        new TreeMap<>(metrics).forEach((k, v) -> {
            if (Double.isFinite(v)) {
                o.addProperty(k, v);
            }
        });
        return o;
    }

    private static JsonObject trainerState(TrainingPlan plan, int step, int total, AdamW optimizer, JsonArray history,
            double epoch, MetricMeans pending, Map<String, Double> optimizerMetrics) {
        JsonObject o = new JsonObject();
        o.addProperty("global_step", step);
        o.addProperty("max_steps", total);
        o.addProperty("epoch", epoch);
        o.addProperty("optimizer_steps", optimizer.steps());
        o.addProperty("logging_steps", plan.settings().loggingSteps());
        o.addProperty("save_steps", plan.settings().saveSteps());
        o.addProperty("seed", plan.request().seed());
        o.addProperty("algorithm", plan.algorithm().id());
        o.addProperty("trainer", "plumbline-" + plan.recipe().name().toLowerCase(java.util.Locale.ROOT));
        o.add("log_history", history.deepCopy());
        // Between reports: what the next report averages over, so a resumed run logs what an uninterrupted one does.
        o.add("pending_metrics", pending.toJson());
        JsonObject last = new JsonObject();
        optimizerMetrics.forEach((k, v) -> {
            if (Double.isFinite(v)) {
                last.addProperty(k, v);
            }
        });
        o.add("last_optimizer_metrics", last);
        return o;
    }

    private static JsonObject trainingArgs(TrainingPlan plan) {
        Gson gson = new Gson();
        JsonObject o = new JsonObject();
        o.addProperty("algorithm", plan.algorithm().id());
        o.add("parameters", gson.toJsonTree(new TreeMap<>(plan.parameters().asMap())));
        o.add("trainer", gson.toJsonTree(new TreeMap<>(plan.settings().values().asMap())));
        o.addProperty("seed", plan.request().seed());
        o.addProperty("base_model", plan.request().baseModel().toString());
        if (plan.judge() != null) {
            o.addProperty("judge", plan.judge().judge().id());
        }
        return o;
    }
}
