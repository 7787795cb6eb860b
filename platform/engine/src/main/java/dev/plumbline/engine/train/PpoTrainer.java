package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * PPO with a value model — TRL {@code trl/experimental/ppo/ppo_trainer.py::PPOTrainer.train}, one
 * iteration per step.
 *
 * <p>An iteration samples one completion for each of {@code per_device_train_batch_size *
 * gradient_accumulation_steps} prompts (TRL's {@code batch_size} on one process) from the current
 * policy, scores it with the pointwise judge (TRL's reward model; {@code missing_eos_penalty} is
 * subtracted from completions without a stop token), and records the rollout constants without
 * gradients: the policy's log-probs ({@code old_logps}), the reference model's and the value model's
 * values, all with logits divided by {@code temperature + 1e-7} as TRL does. Then
 * {@code num_ppo_epochs} passes, each over a fresh permutation of the batch (TRL's
 * {@code np.random.permutation}, here from {@link TrainingContext#random}) cut into
 * {@code num_mini_batches} mini-batches; every mini-batch is one forward/backward through the plugin
 * (KL-shaped rewards, GAE, whitening, clipped policy and value losses) and one optimizer step. The
 * learning rate follows the iteration, as TRL steps its scheduler once per iteration.
 *
 * <p>Value model: see {@link ValueModel} (a copy of the base policy with a scalar {@code score} head,
 * trained jointly under the same optimizer as {@code value_model.*}, saved in every checkpoint as
 * {@code value_model/} and restored from it on resume).
 *
 * <p>Metrics: the plugin's under TRL's names ({@code objective/kl}, {@code objective/entropy},
 * {@code objective/non_score_reward}, {@code objective/rlhf_reward}, {@code objective/scores},
 * {@code policy/approxkl_avg}, {@code policy/clipfrac_avg}, {@code loss/policy_avg},
 * {@code loss/value_avg}, {@code val/clipfrac_avg}, {@code policy/entropy_avg}, {@code val/ratio}),
 * averaged over the iteration's updates, plus {@code val/ratio_var}, {@code val/num_eos_tokens},
 * {@code episode}, {@code judge/failures} and {@code judge/skipped_steps}.
 *
 * <p>Differences from TRL:
 * <ul>
 *   <li>The plugin computes GAE and whitening per call, i.e. per mini-batch: with {@code num_mini_batches
 *       > 1} advantages are whitened within each mini-batch, while TRL whitens once over the whole
 *       batch before splitting it. TRL's default {@code num_mini_batches = 1} matches exactly.</li>
 *   <li>A mini-batch is one forward/backward (no further micro-batching by
 *       {@code per_device_train_batch_size}); gradient_accumulation_steps only sizes the rollout batch.</li>
 *   <li>A prompt whose verdict failed is dropped from the iteration (counted in {@code judge/failures});
 *       TRL's reward model cannot fail. Mini-batches split the remaining prompts as evenly as possible.</li>
 *   <li>The score lands on the last completion token (the plugin's default {@code score_position}); TRL
 *       puts it one slot later when pad != eos (its issues #1893/#3750).</li>
 *   <li>The value model starts from the base policy, not from a reward-model checkpoint; no {@code eps}
 *       metric (timing).</li>
 *   <li>Sampling follows the trainer settings: temperature default 1.0 (TRL's PPO 0.7),
 *       {@code max_completion_length} 256 (TRL's {@code response_length} 53); top-k/top-p apply if set
 *       (TRL samples with top_k 0, top_p 1).</li>
 * </ul>
 */
final class PpoTrainer extends OnlineTrainer {

    /** TRL divides logits by {@code temperature + 1e-7}. */
    private static final double TEMPERATURE_EPSILON = 1e-7;

    private final int rolloutBatch;
    private ValueModel valueModel;

    PpoTrainer(TrainingPlan plan) {
        super(plan, rolloutBatch(plan), 1);
        this.rolloutBatch = rolloutBatch(plan);
    }

    private static int rolloutBatch(TrainingPlan plan) {
        TrainerSettings s = plan.settings();
        long batch = (long) s.batchSize() * s.gradientAccumulationSteps();
        if (batch > 1_000_000) {
            throw new InvalidInputException("trainer.per_device_train_batch_size", "times gradient_accumulation_steps"
                    + " is " + batch + " prompts per iteration; at most 1000000");
        }
        if (batch % s.numMiniBatches() != 0) {
            throw new InvalidInputException("trainer.num_mini_batches", "must divide the rollout batch of " + batch
                    + " prompts (per_device_train_batch_size * gradient_accumulation_steps), got "
                    + s.numMiniBatches());
        }
        return (int) batch;
    }

    @Override
    public Map<String, NDArray> extraParameters(TrainingContext context, Path resumeDir) {
        valueModel = resumeDir != null ? ValueModel.load(resumeDir, context.manager())
                : ValueModel.initialize(context.policy().model(), context.seed(-1, 0), context.manager());
        return valueModel.parameters();
    }

    @Override
    public void saveExtra(Path checkpointDir) {
        valueModel.save(checkpointDir);
    }

    @Override
    public Map<String, Double> step(int step, TrainingContext context) {
        List<Integer> prompts = batches(step).get(0);
        List<Rollouts.Rollout> rollouts = Rollouts.sample(context, Rollouts.policyGenerator(context), encoded, prompts,
                context.seed(step, 0));
        double[] raw = RolloutJudge.rewards(context, rollouts, step);
        int failures = RolloutJudge.failures(raw);
        double penalty = settings.missingEosPenalty();
        List<Rollouts.Rollout> kept = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        for (int i = 0; i < raw.length; i++) {
            if (!Double.isNaN(raw[i])) {
                kept.add(rollouts.get(i));
                scores.add(penalty != 0.0 && !rollouts.get(i).terminated() ? raw[i] - penalty : raw[i]);
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("episode", (double) episodes(step + 1));
        metrics.put("val/num_eos_tokens", (double) rollouts.stream().filter(Rollouts.Rollout::terminated).count());
        if (kept.isEmpty()) {
            metrics.putAll(skipped(context, step, failures));
            return metrics;
        }

        // Rollout constants, without gradients.
        double temperature = settings.temperature() + TEMPERATURE_EPSILON;
        LlamaModel policy = context.policy().model();
        RolloutBatch all = RolloutBatch.of(kept, context.padId());
        double[][] oldLogps = all.byRow(all.tokenLogpsNoGrad(policy, context.manager(), temperature));
        double[][] values = all.byRow(valueModel.valuesNoGrad(all, context.manager()));
        boolean reference = wantsReference("ref_logps", "kl_coef");
        double[][] refLogps = reference ? all.byRow(all.tokenLogpsNoGrad(context.reference().model(),
                context.manager(), temperature)) : null;
        TensorSpec entropySpec = tensor("entropy");
        boolean entropyGrad = number("entropy_coef", 0.0) != 0.0;

        int n = kept.size();
        int miniBatches = settings.numMiniBatches();
        List<Map<String, Double>> calls = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (int epoch = 0; epoch < settings.numPpoEpochs(); epoch++) {
            int[] order = permutation(n, context.random(step, 1 + epoch));
            for (int mb = 0; mb < miniBatches; mb++) {
                int from = (int) ((long) mb * n / miniBatches);
                int to = (int) ((long) (mb + 1) * n / miniBatches);
                if (from == to) {
                    continue;
                }
                List<Rollouts.Rollout> sub = new ArrayList<>();
                double[][] subOld = new double[to - from][];
                double[][] subValues = new double[to - from][];
                double[][] subRef = new double[to - from][];
                float[] subScores = new float[to - from];
                for (int i = from; i < to; i++) {
                    int row = order[i];
                    sub.add(kept.get(row));
                    subOld[i - from] = oldLogps[row];
                    subValues[i - from] = values[row];
                    subRef[i - from] = reference ? refLogps[row] : null;
                    subScores[i - from] = (float) (double) scores.get(row);
                }
                RolloutBatch batch = RolloutBatch.of(sub, context.padId());
                TrainingContext.LossResult result = context.backward(1.0, m -> {
                    NDArray logits = RolloutBatch.tempered(batch.completionLogits(policy, m), temperature);
                    Map<String, NDArray> t = new HashMap<>();
                    t.put("logps", batch.tokenLogps(logits, m));
                    t.put("old_logps", batch.fromRows(subOld, m));
                    t.put("values", batch.fromRows(subValues, m));
                    t.put("value_preds", valueModel.values(batch, m));
                    t.put("mask", batch.mask(m));
                    t.put("scores", m.create(subScores));
                    if (reference) {
                        t.put("ref_logps", batch.fromRows(subRef, m));
                    }
                    if (entropySpec != null) {
                        NDArray entropy = RolloutBatch.entropy(logits);
                        t.put("entropy", entropyGrad ? entropy : entropy.stopGradient());
                    }
                    return t;
                }, Set.of());
                context.optimizerStep(step);
                calls.add(result.metrics());
                Double ratio = result.metrics().get("val/ratio");
                if (ratio != null) {
                    ratios.add(ratio);
                }
            }
        }
        metrics.putAll(means(calls));
        metrics.put("val/ratio_var", variance(ratios));
        metrics.put(RolloutJudge.FAILURES, (double) failures);
        metrics.put(RolloutJudge.SKIPPED, 0.0);
        return metrics;
    }

    /** Prompts sampled in the first {@code iterations} iterations (TRL's {@code episode}). */
    private long episodes(int iterations) {
        int size = plan.prompts().size();
        int perEpoch = (size + rolloutBatch - 1) / rolloutBatch;
        long epochs = iterations / perEpoch;
        long rest = iterations % perEpoch;
        return epochs * size + Math.min(rest * rolloutBatch, size);
    }

    /** Fisher-Yates over 0..n-1. */
    static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    /** Unbiased variance (torch {@code var()}), NaN for fewer than two values. */
    private static double variance(List<Double> values) {
        if (values.size() < 2) {
            return Double.NaN;
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double sq = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        return sq / (values.size() - 1);
    }

    @Override
    public void close() {
        if (valueModel != null) {
            valueModel.close();
            valueModel = null;
        }
    }
}
