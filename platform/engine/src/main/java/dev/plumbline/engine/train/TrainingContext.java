package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.plumbline.engine.judge.GuardedJudge;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.train.AdamW;
import dev.plumbline.engine.model.train.Autograd;
import dev.plumbline.engine.model.train.LearningRateSchedule;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.loss.Scalars;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

/** What an {@link AlgorithmTrainer} works with during a run; created and owned by {@link TrainingLoop}. */
public final class TrainingContext {

    private final TrainingPlan plan;
    private final LocalCheckpoint policy;
    private final NDManager manager;
    private final TrainerListener listener;
    private LocalCheckpoint reference;
    private AdamW optimizer;
    private LearningRateSchedule schedule;
    private double lastGradNorm = Double.NaN;
    private double lastLearningRate = Double.NaN;

    TrainingContext(TrainingPlan plan, LocalCheckpoint policy, NDManager manager, TrainerListener listener) {
        this.plan = plan;
        this.policy = policy;
        this.manager = manager;
        this.listener = listener;
    }

    void optimizer(AdamW optimizer, LearningRateSchedule schedule) {
        this.optimizer = optimizer;
        this.schedule = schedule;
    }

    public TrainingPlan plan() {
        return plan;
    }

    public Algorithm algorithm() {
        return plan.algorithm();
    }

    public Parameters parameters() {
        return plan.parameters();
    }

    public TrainerSettings settings() {
        return plan.settings();
    }

    /** The judge of an online run. */
    public GuardedJudge judge() {
        if (plan.judge() == null) {
            throw new IllegalStateException("this run has no judge");
        }
        return plan.judge();
    }

    /** The policy being trained (weights require gradients during the run). */
    public LocalCheckpoint policy() {
        return policy;
    }

    /** The frozen reference model: the base checkpoint, loaded on first use. */
    public LocalCheckpoint reference() {
        if (reference == null) {
            reference = LocalCheckpoint.load(plan.request().baseModel(), manager);
        }
        return reference;
    }

    /** The manager models of this run live in (closed when the run ends). */
    public NDManager manager() {
        return manager;
    }

    /** The pad id batches are padded with: the tokenizer's pad, else its EOS, else 0. */
    public long padId() {
        Long pad = policy.tokenizer().specialTokens().padId();
        if (pad == null) {
            pad = policy.tokenizer().specialTokens().eosId();
        }
        return pad == null ? 0 : pad;
    }

    /**
     * The random stream {@code stream} of step {@code step}: a pure function of (seed, step, stream),
     * so a resumed run draws what an uninterrupted one would (the RNG state of a checkpoint is its step).
     */
    public SplittableRandom random(int step, int stream) {
        long mixed = plan.request().seed() * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + stream * 0x94D049BB133111EBL;
        return new SplittableRandom(mixed);
    }

    /** A seed for generation calls, derived like {@link #random}. */
    public long seed(int step, int stream) {
        return random(step, stream).nextLong();
    }

    public void message(String text) {
        listener.onEvent(new TrainerEvent.Message(text));
    }

    /**
     * Runs the algorithm's loss on the tensors {@code tensors} builds (under autograd, in a
     * micro-batch manager that closes afterwards) and backpropagates {@code loss * scale} into the
     * trainable weights' gradients, which accumulate until {@link #optimizerStep}.
     *
     * @param outputs names of the loss's per-sample outputs to copy to the host
     */
    public LossResult backward(double scale, Function<NDManager, Map<String, NDArray>> tensors, Set<String> outputs) {
        return backward(parameters(), scale, tensors, outputs);
    }

    /**
     * {@link #backward(double, Function, Set)} with the algorithm's parameters as given here: online
     * trainers set the bookkeeping parameters the reference trainer derives from its own state
     * (group size, gradient accumulation, tokens of the generation batch).
     */
    public LossResult backward(Parameters parameters, double scale, Function<NDManager, Map<String, NDArray>> tensors,
            Set<String> outputs) {
        try (NDManager m = manager.newSubManager(); GradientCollector collector = Autograd.collector()) {
            LossOutput out = algorithm().loss(new LossInput(parameters, tensors.apply(m), m));
            NDArray loss = out.loss();
            collector.backward(loss.mul(Scalars.of(loss, scale)));
            return new LossResult(loss.stopGradient().toType(DataType.FLOAT64, false).getDouble(), out.metrics(),
                    host(out.outputs(), outputs));
        }
    }

    /** The loss and metrics without gradients (evaluation, or metrics of a held-out batch). */
    public LossResult evaluate(Function<NDManager, Map<String, NDArray>> tensors, Set<String> outputs) {
        try (NDManager m = manager.newSubManager()) {
            LossOutput out = algorithm().loss(new LossInput(parameters(), tensors.apply(m), m));
            return new LossResult(out.loss().stopGradient().toType(DataType.FLOAT64, false).getDouble(),
                    out.metrics(), host(out.outputs(), outputs));
        }
    }

    private static Map<String, double[]> host(Map<String, NDArray> arrays, Set<String> names) {
        Map<String, double[]> out = new HashMap<>();
        for (String name : names) {
            NDArray a = arrays.get(name);
            if (a != null) {
                out.put(name, a.stopGradient().toType(DataType.FLOAT64, false).toDoubleArray());
            }
        }
        return out;
    }

    /**
     * Clips the accumulated gradients to {@code max_grad_norm}, updates with the learning rate of
     * {@code step}, and zeroes the gradients. Returns the norm before clipping.
     */
    public double optimizerStep(int step) {
        double norm = optimizer.clipGradients(settings().maxGradNorm());
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("non-finite gradient norm at step " + (step + 1)
                    + "; lower trainer.learning_rate or check the data");
        }
        double lr = schedule.at(step);
        optimizer.step(lr);
        lastGradNorm = norm;
        lastLearningRate = lr;
        return norm;
    }

    Map<String, Double> lastOptimizerMetrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("grad_norm", lastGradNorm);
        m.put("learning_rate", lastLearningRate);
        return m;
    }

    void close() {
        if (reference != null) {
            reference.close();
        }
    }

    /**
     * @param loss the algorithm's loss (before scaling)
     * @param metrics the loss's metrics under the reference names
     * @param outputs the requested per-sample outputs
     */
    public record LossResult(double loss, Map<String, Double> metrics, Map<String, double[]> outputs) {}
}
