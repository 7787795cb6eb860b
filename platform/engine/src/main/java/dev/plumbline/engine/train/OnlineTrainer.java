package dev.plumbline.engine.train;

import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the online trainers share: the prompt order (each epoch a shuffle seeded by the run's seed,
 * batches consecutive slices of it — a pure function of the step, so a resumed run samples what an
 * uninterrupted one samples), the rendered prompts, the precedence of settings the algorithm may also
 * declare, the bookkeeping parameters they set for the loss, and TRL's rollout metrics.
 *
 * <p>A step reads {@code batchesPerStep} consecutive prompt batches of the order (gradient
 * accumulation), samples all their rollouts at once (one generation batch per optimizer step, TRL's
 * {@code steps_per_generation = gradient_accumulation_steps}), judges them, and backpropagates
 * micro-batch by micro-batch.
 */
abstract class OnlineTrainer implements AlgorithmTrainer {

    final TrainingPlan plan;
    final TrainerSettings settings;
    final Algorithm algorithm;
    private final int batchesPerStep;
    private final EpochOrder order;
    List<Rollouts.EncodedPrompt> encoded;

    /**
     * @param promptsPerBatch prompts of one micro-batch (one PPO rollout batch)
     * @param batchesPerStep micro-batches per step
     */
    OnlineTrainer(TrainingPlan plan, int promptsPerBatch, int batchesPerStep) {
        this.plan = plan;
        this.settings = plan.settings();
        this.algorithm = plan.algorithm();
        this.batchesPerStep = batchesPerStep;
        this.order = new EpochOrder(Math.max(1, plan.prompts().size()), promptsPerBatch, plan.request().seed());
    }

    @Override
    public int totalSteps() {
        return order.totalSteps(settings.maxSteps(), settings.epochs(), batchesPerStep);
    }

    @Override
    public double epochAt(int steps) {
        return order.epochAt((long) steps * batchesPerStep);
    }

    @Override
    public void prepare(TrainingContext context) {
        encoded = Rollouts.encodeAll(context.policy(), plan.prompts(), settings.maxPromptLength());
    }

    /** Prompt indexes of the micro-batches of {@code step}. */
    List<List<Integer>> batches(int step) {
        List<List<Integer>> out = new ArrayList<>(batchesPerStep);
        for (int a = 0; a < batchesPerStep; a++) {
            out.add(order.batch((long) step * batchesPerStep + a));
        }
        return out;
    }

    boolean declares(String parameter) {
        return algorithm.parameters().stream().anyMatch(p -> p.name().equals(parameter));
    }

    TensorSpec tensor(String name) {
        return algorithm.tensors().stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * A value both the algorithm and the trainer settings may carry (num_generations, mixture_coef):
     * the algorithm parameter when the request gives it, else the trainer setting when the request
     * gives that, else the algorithm's default when it declares one, else the trainer's default.
     */
    double shared(String name) {
        return shared(plan, name);
    }

    static double shared(TrainingPlan plan, String name) {
        boolean declared = plan.algorithm().parameters().stream().anyMatch(p -> p.name().equals(name));
        if (declared && plan.request().parameters().containsKey(name)) {
            return plan.parameters().number(name);
        }
        if (plan.request().trainer().containsKey(name) || !declared) {
            return plan.settings().values().number(name);
        }
        return plan.parameters().number(name);
    }

    /** Which request field {@link #shared} took {@code name} from (for error messages). */
    static String sharedField(TrainingPlan plan, String name) {
        boolean declared = plan.algorithm().parameters().stream().anyMatch(p -> p.name().equals(name));
        boolean fromParameters = declared && (plan.request().parameters().containsKey(name)
                || !plan.request().trainer().containsKey(name));
        return fromParameters ? "parameters." + name : "trainer." + name;
    }

    /** The run's parameters with {@code overrides} for those the algorithm declares. */
    Parameters parameters(Map<String, Object> overrides) {
        Map<String, Object> merged = new LinkedHashMap<>(plan.parameters().asMap());
        for (ParameterSpec spec : algorithm.parameters()) {
            if (overrides.containsKey(spec.name())) {
                merged.put(spec.name(), overrides.get(spec.name()));
            }
        }
        return Parameters.resolve(algorithm.parameters(), merged, "parameters");
    }

    /** The resolved number parameter {@code name}, or {@code fallback} when the algorithm has none. */
    double number(String name, double fallback) {
        return declares(name) ? plan.parameters().number(name) : fallback;
    }

    /**
     * Whether the loss gets reference log-probs: when it requires them, or takes them optionally and its
     * {@code coefficient} parameter (beta, kl_coef) is not 0.
     */
    boolean wantsReference(String tensorName, String coefficient) {
        TensorSpec spec = tensor(tensorName);
        if (spec == null) {
            return false;
        }
        return spec.required() || number(coefficient, 1.0) != 0.0;
    }

    /** Means of the metrics of several loss calls (each name over the calls that reported it). */
    static Map<String, Double> means(List<Map<String, Double>> calls) {
        MetricMeans means = new MetricMeans();
        calls.forEach(means::addAll);
        return means.drain();
    }

    /**
     * TRL GRPO/RLOO generation metrics over all completions of the step: {@code completions/mean_length},
     * {@code min_length}, {@code max_length}, {@code clipped_ratio} (share without EOS) and the
     * {@code *_terminated_length} statistics (0 when none terminated, as TRL).
     */
    static void completionMetrics(Map<String, Double> out, List<Rollouts.Rollout> rollouts) {
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        double termSum = 0;
        double termMin = Double.POSITIVE_INFINITY;
        double termMax = 0;
        int terminated = 0;
        for (Rollouts.Rollout r : rollouts) {
            int n = r.length();
            sum += n;
            min = Math.min(min, n);
            max = Math.max(max, n);
            if (r.terminated()) {
                terminated++;
                termSum += n;
                termMin = Math.min(termMin, n);
                termMax = Math.max(termMax, n);
            }
        }
        int count = rollouts.size();
        out.put("completions/mean_length", sum / count);
        out.put("completions/min_length", min);
        out.put("completions/max_length", max);
        out.put("completions/clipped_ratio", (double) (count - terminated) / count);
        out.put("completions/mean_terminated_length", terminated == 0 ? 0.0 : termSum / terminated);
        out.put("completions/min_terminated_length", terminated == 0 ? 0.0 : termMin);
        out.put("completions/max_terminated_length", terminated == 0 ? 0.0 : termMax);
    }

    /** Mean and Bessel-corrected std of the finite values ({@code NaN} std for fewer than two). */
    static double[] meanStd(double[] values) {
        double sum = 0;
        int n = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                sum += v;
                n++;
            }
        }
        double mean = n == 0 ? Double.NaN : sum / n;
        double sq = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                sq += (v - mean) * (v - mean);
            }
        }
        return new double[] {mean, n < 2 ? Double.NaN : Math.sqrt(sq / (n - 1))};
    }

    /** Share of rollouts that ended with a stop token or string. */
    static double terminatedShare(List<Rollouts.Rollout> rollouts) {
        return rollouts.stream().filter(Rollouts.Rollout::terminated).count() / (double) rollouts.size();
    }

    /** Metrics of a step whose every judgement failed: no update, reported. */
    static Map<String, Double> skipped(TrainingContext context, int step, int failures) {
        context.message("step " + (step + 1) + ": every judgement failed (" + failures
                + " failures); no update this step");
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(RolloutJudge.FAILURES, (double) failures);
        m.put(RolloutJudge.SKIPPED, 1.0);
        return m;
    }

    /** Rows of {@code rollouts} at {@code indexes}. */
    static List<Rollouts.Rollout> select(List<Rollouts.Rollout> rollouts, List<Integer> indexes) {
        List<Rollouts.Rollout> out = new ArrayList<>(indexes.size());
        for (int i : indexes) {
            out.add(rollouts.get(i));
        }
        return out;
    }
}
