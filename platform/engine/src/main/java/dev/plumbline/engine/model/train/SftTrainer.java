package dev.plumbline.engine.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.plumbline.engine.model.CompletionBatch;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ScoredSequence;
import dev.plumbline.engine.model.TokenLogProbs;
import dev.plumbline.engine.model.chat.ChatFormat;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.tokenizer.Tokenizer;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervised fine-tuning of a {@link LlamaModel} in place: mean cross-entropy over completion
 * tokens, AdamW, warmup plus cosine (or linear/constant) decay, global-norm clipping and gradient
 * accumulation. With gradient accumulation the loss is normalised by the trained tokens of the
 * whole optimizer step, so k micro-batches of n equal one batch of k*n. Deterministic for a
 * seed: data order comes from {@code seed}, the model computes the same on every run.
 *
 * <p>Checkpoints ({@code checkpoint-<step>}, Hugging Face layout plus {@code trainer_state.json})
 * go under the output directory every {@code save_steps}, and the final model into the output
 * directory itself. Not thread-safe: one {@code train} call at a time; {@link #cancel()} may be
 * called from any thread.
 */
public final class SftTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(SftTrainer.class);

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ChatFormat chatFormat;
    private final SftConfig config;
    private final TrainingListener listener;
    private final AtomicBoolean cancelled = new AtomicBoolean();

    public SftTrainer(LlamaModel model, Tokenizer tokenizer, ChatFormat chatFormat, SftConfig config,
            TrainingListener listener) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.chatFormat = chatFormat;
        this.config = config;
        this.listener = listener == null ? TrainingListener.NONE : listener;
    }

    /** Stops after the current optimizer step; no final checkpoint is written. */
    public void cancel() {
        cancelled.set(true);
    }

    /**
     * Trains on {@code examples}.
     *
     * @param outputDir where checkpoints and the final model go; {@code null} writes nothing
     */
    public SftResult train(List<SftExample> examples, Path outputDir) {
        long started = System.nanoTime();
        List<ScoredSequence> data = encode(examples);
        int microPerEpoch = (data.size() + config.batchSize() - 1) / config.batchSize();
        int stepsPerEpoch = (microPerEpoch + config.gradientAccumulationSteps() - 1)
                / config.gradientAccumulationSteps();
        int totalSteps = config.maxSteps() > 0 ? config.maxSteps() : stepsPerEpoch * config.epochs();
        int warmup = config.warmupSteps() > 0 ? config.warmupSteps()
                : (int) Math.ceil(config.warmupRatio() * totalSteps);
        LearningRateSchedule schedule = new LearningRateSchedule(config.lrSchedulerType(), config.learningRate(),
                warmup, totalSteps);
        long padId = padId();
        MicroBatches batches = new MicroBatches(data, config.batchSize(), config.seed());
        List<Double> stepLosses = new ArrayList<>();
        List<JsonObject> history = new ArrayList<>();
        Window window = new Window();
        long numTokens = 0;
        int step = 0;
        model.setRequiresGradient(true);
        try (AdamW optimizer = new AdamW(model.parameters(), config.adamBeta1(), config.adamBeta2(),
                config.adamEpsilon(), config.weightDecay(), name -> !LlamaModel.isNormWeight(name),
                model.manager())) {
            while (step < totalSteps && !cancelled.get()) {
                List<CompletionBatch> micro = new ArrayList<>();
                int targets = 0;
                for (int i = 0; i < config.gradientAccumulationSteps(); i++) {
                    CompletionBatch b = CompletionBatch.of(batches.next(), padId);
                    micro.add(b);
                    targets += b.targetCount();
                }
                double lossSum = 0;
                double correct = 0;
                for (CompletionBatch b : micro) {
                    float[] stats = forwardBackward(b, targets);
                    lossSum += stats[0];
                    correct += stats[1];
                    for (long m : b.attentionMask()) {
                        numTokens += m;
                    }
                }
                double gradNorm = optimizer.clipGradients(config.maxGradNorm());
                if (!Double.isFinite(gradNorm)) {
                    throw new IllegalStateException("non-finite gradient norm at step " + (step + 1)
                            + "; lower learning_rate or check the data");
                }
                double lr = schedule.at(step);
                optimizer.step(lr);
                step++;
                double loss = lossSum / targets;
                stepLosses.add(loss);
                window.add(loss, correct / targets, targets, gradNorm, lr);
                if (step % config.loggingSteps() == 0 || step == totalSteps) {
                    TrainingEvent.Metrics metrics = window.drain(step, totalSteps,
                            (double) batches.consumed() / microPerEpoch, numTokens, seconds(started));
                    history.add(logEntry(metrics));
                    listener.onEvent(metrics);
                }
                if (outputDir != null && config.saveSteps() > 0 && step % config.saveSteps() == 0
                        && step < totalSteps) {
                    Path dir = outputDir.resolve("checkpoint-" + step);
                    save(dir, step, (double) batches.consumed() / microPerEpoch, history);
                    listener.onEvent(new TrainingEvent.CheckpointSaved(step, dir));
                }
            }
        } finally {
            model.setRequiresGradient(false);
        }
        boolean stopped = cancelled.get() && step < totalSteps;
        Path finalDir = null;
        if (outputDir != null && !stopped) {
            save(outputDir, step, (double) batches.consumed() / microPerEpoch, history);
            finalDir = outputDir;
        }
        SftResult result = new SftResult(step, stepLosses, finalDir, stopped);
        listener.onEvent(new TrainingEvent.Finished(step, result.finalLoss(), finalDir, stopped, seconds(started)));
        return result;
    }

    /** One micro-batch; backpropagates -sum(log p(targets)) / (targets of the whole step), returns {nll sum, correct}. */
    private float[] forwardBackward(CompletionBatch batch, int stepTargets) {
        try (NDManager m = model.manager().newSubManager(); GradientCollector collector = Autograd.collector()) {
            NDArray targetIds = batch.targetIds(m);
            NDArray targetMask = batch.targetMask(m);
            NDArray logits = model.forward(batch.inputIds(m), batch.attentionMask(m));
            NDArray logProbs = TokenLogProbs.of(logits, targetIds, targetMask);
            NDArray nll = logProbs.sum().neg();
            collector.backward(nll.div(m.create((float) stepTargets))); // NDArray operand: see dev.plumbline.spi.loss.Scalars
            NDArray correct = logits.stopGradient().argMax(2).eq(targetIds).toType(DataType.FLOAT32, false)
                    .mul(targetMask).sum();
            return NDArrays.stack(new NDList(nll.stopGradient(), correct)).toFloatArray();
        }
    }

    private List<ScoredSequence> encode(List<SftExample> examples) {
        int maxLength = Math.min(config.maxLength(), model.config().maxPositionEmbeddings());
        SftEncoder encoder = new SftEncoder(tokenizer, chatFormat, config.completionOnlyLoss(), maxLength);
        List<ScoredSequence> data = new ArrayList<>();
        int dropped = 0;
        for (SftExample e : examples) {
            ScoredSequence s = encoder.encode(e);
            for (long id : s.tokens()) {
                if (id >= model.config().vocabSize()) {
                    throw new InvalidInputException(e.source(), "token id " + id
                            + " is outside the model's vocabulary (" + model.config().vocabSize() + ")");
                }
            }
            if (s.targetCount() == 0) {
                dropped++;
            } else {
                data.add(s);
            }
        }
        if (dropped > 0) {
            LOG.warn("{} of {} examples have no completion tokens within max_length {} and are skipped", dropped,
                    examples.size(), maxLength);
        }
        if (data.isEmpty()) {
            throw new InvalidInputException("dataset", "no example has completion tokens within max_length "
                    + maxLength);
        }
        return data;
    }

    private long padId() {
        Long pad = tokenizer.specialTokens().padId();
        if (pad == null) {
            pad = tokenizer.specialTokens().eosId();
        }
        return pad == null ? 0 : pad;
    }

    private void save(Path dir, int step, double epoch, List<JsonObject> history) {
        LocalCheckpoint.save(dir, model, tokenizer);
        JsonObject state = new JsonObject();
        state.addProperty("global_step", step);
        state.addProperty("epoch", epoch);
        state.addProperty("trainer", "plumbline-sft");
        JsonArray log = new JsonArray();
        history.forEach(log::add);
        state.add("log_history", log);
        try {
            Files.writeString(dir.resolve("trainer_state.json"),
                    new GsonBuilder().setPrettyPrinting().create().toJson(state) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("trainer_state.json"), e);
        }
    }

    private static JsonObject logEntry(TrainingEvent.Metrics m) {
        JsonObject o = new JsonObject();
        o.addProperty("step", m.step());
        o.addProperty("epoch", m.epoch());
        o.addProperty("loss", m.loss());
        o.addProperty("learning_rate", m.learningRate());
        o.addProperty("grad_norm", m.gradNorm());
        o.addProperty("mean_token_accuracy", m.meanTokenAccuracy());
        o.addProperty("num_tokens", m.numTokens());
        return o;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Endless micro-batches: each epoch is a fresh shuffle of the data (seeded by seed and epoch). */
    private static final class MicroBatches {
        private final List<ScoredSequence> data;
        private final int batchSize;
        private final long seed;
        private List<Integer> order = List.of();
        private int position;
        private int epoch = -1;
        private long consumed;

        MicroBatches(List<ScoredSequence> data, int batchSize, long seed) {
            this.data = data;
            this.batchSize = batchSize;
            this.seed = seed;
        }

        List<ScoredSequence> next() {
            if (position >= order.size()) {
                epoch++;
                List<Integer> shuffled = new ArrayList<>();
                for (int i = 0; i < data.size(); i++) {
                    shuffled.add(i);
                }
                Collections.shuffle(shuffled, new Random(seed * 1_000_003L + epoch));
                order = shuffled;
                position = 0;
            }
            int end = Math.min(order.size(), position + batchSize);
            List<ScoredSequence> batch = new ArrayList<>(end - position);
            for (int i = position; i < end; i++) {
                batch.add(data.get(order.get(i)));
            }
            position = end;
            consumed++;
            return batch;
        }

        long consumed() {
            return consumed;
        }
    }

    /** Accumulates metrics between reports. */
    private static final class Window {
        private double lossSum;
        private double accuracySum;
        private long trained;
        private int steps;
        private double gradNorm;
        private double lr;

        void add(double loss, double accuracy, int targets, double gradNorm, double lr) {
            lossSum += loss;
            accuracySum += accuracy;
            trained += targets;
            steps++;
            this.gradNorm = gradNorm;
            this.lr = lr;
        }

        TrainingEvent.Metrics drain(int step, int total, double epoch, long numTokens, double elapsed) {
            TrainingEvent.Metrics m = new TrainingEvent.Metrics(step, total, epoch, lossSum / steps, lr, gradNorm,
                    accuracySum / steps, trained, numTokens, elapsed);
            lossSum = 0;
            accuracySum = 0;
            trained = 0;
            steps = 0;
            return m;
        }
    }
}
