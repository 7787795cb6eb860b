package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.MaskedStatistics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GRPO and RLOO (and any algorithm with their tensors: per-token {@code logps}, one {@code rewards}
 * value per completion, groups of {@code num_generations}) — the skeleton of TRL's
 * {@code GRPOTrainer}/{@code RLOOTrainer} ({@code _generate_and_score_completions}, {@code _compute_loss}).
 *
 * <p>A step takes {@code gradient_accumulation_steps} micro-batches of
 * {@code per_device_train_batch_size / G} prompts (TRL's {@code RepeatSampler}: each prompt G times in a
 * row), samples all their completions from the current policy at once (TRL's generation batch with
 * {@code steps_per_generation = gradient_accumulation_steps}), scores each with the pointwise judge,
 * and backpropagates every micro-batch through the plugin, which computes the group advantages
 * (GRPO: group-normalised; RLOO: leave-one-out after the k1 KL penalty) and the clipped loss; then one
 * optimizer step. Per-token log-probs divide the logits by the sampling temperature (policy and
 * reference), as TRL. The step is on-policy ({@code num_iterations = 1}): GRPO gets no
 * {@code old_logps} (ratio 1, TRL's {@code old = logps.detach()}), RLOO gets {@code logps} detached.
 * Reference log-probs (the frozen base model) are computed only when the loss asks for them
 * ({@code beta != 0}).
 *
 * <p>Parameters the trainer sets for the loss: {@code num_generations} (the group size G: the
 * algorithm's parameter when the request gives it, else {@code trainer.num_generations} when given,
 * else the algorithm's default — TRL's 8 for GRPO, 2 for RLOO), {@code gradient_accumulation_steps}
 * (micro-batches of the step), {@code num_items_in_batch} (completion tokens of the step's generation
 * batch, so {@code dapo} normalises over all of it as TRL does), {@code num_processes = 1}, and
 * {@code max_completion_length} ({@code trainer.max_completion_length} unless the request sets the
 * parameter).
 *
 * <p>Metrics: the plugin's ({@code reward}, {@code reward_std}, {@code frac_reward_zero_std},
 * {@code clip_ratio/*}, {@code kl} when beta != 0, {@code entropy}), TRL's {@code completions/*}
 * generation metrics, {@code rewards/<judge id>/mean|std}, {@code loss}, and {@code judge/failures}
 * (failed verdicts of the step) with {@code judge/skipped_steps} (1 when nothing could be scored).
 *
 * <p>Differences from TRL:
 * <ul>
 *   <li>A failed verdict drops its whole group from the loss (TRL gives the unscorable completion a NaN
 *       reward, takes nanmean/nanstd over the rest of its group and an advantage of 0); it is counted,
 *       never scored. {@code reward} and the other loss metrics cover the kept groups.</li>
 *   <li>Group statistics are computed per micro-batch by the plugin, so {@code scale_rewards=batch}
 *       uses the micro-batch's std, not the whole generation batch's, when gradient_accumulation_steps
 *       > 1 (identical with 1, TRL's default).</li>
 *   <li>{@code trainer.missing_eos_penalty} (default 0) is subtracted from the rewards of completions
 *       without a stop token; TRL's GRPO/RLOO have no such setting.</li>
 *   <li>No {@code num_tokens} (TRL's cumulative token count) and no vLLM importance-sampling metrics.</li>
 *   <li>Sampling follows the trainer settings ({@code max_completion_length} default 256 where TRL's is 512;
 *       temperature 1.0, top-k off, top-p 1 as TRL).</li>
 * </ul>
 */
final class GroupRewardTrainer extends OnlineTrainer {

    private static final String NUM_GENERATIONS = "num_generations";

    private final int groupSize;

    GroupRewardTrainer(TrainingPlan plan) {
        super(plan, promptsPerBatch(plan), plan.settings().gradientAccumulationSteps());
        this.groupSize = groupSize(plan);
    }

    private static int groupSize(TrainingPlan plan) {
        double g = shared(plan, NUM_GENERATIONS);
        if (g < 2) {
            throw new InvalidInputException(sharedField(plan, NUM_GENERATIONS), "must be >= 2 for "
                    + plan.algorithm().id() + " (group-relative advantages), got " + (long) g);
        }
        return (int) g;
    }

    private static int promptsPerBatch(TrainingPlan plan) {
        int g = groupSize(plan);
        int batch = plan.settings().batchSize();
        if (batch % g != 0) {
            throw new InvalidInputException("trainer.per_device_train_batch_size", "counts completions and must be a"
                    + " multiple of num_generations (" + g + "), got " + batch);
        }
        if (!(plan.settings().temperature() > 0)) {
            throw new InvalidInputException("trainer.temperature", "must be > 0 for " + plan.algorithm().id()
                    + ": its log-probs divide the logits by the sampling temperature");
        }
        return batch / g;
    }

    @Override
    public Map<String, Double> step(int step, TrainingContext context) {
        List<Integer> rows = new ArrayList<>();
        List<int[]> ranges = new ArrayList<>();
        for (List<Integer> batch : batches(step)) {
            int from = rows.size();
            for (int prompt : batch) {
                for (int g = 0; g < groupSize; g++) {
                    rows.add(prompt);
                }
            }
            ranges.add(new int[] {from, rows.size()});
        }
        List<Rollouts.Rollout> rollouts = Rollouts.sample(context, Rollouts.policyGenerator(context), encoded, rows,
                context.seed(step, 0));
        double[] raw = RolloutJudge.rewards(context, rollouts, step);
        int failures = RolloutJudge.failures(raw);
        double penalty = settings.missingEosPenalty();
        double[] rewards = new double[raw.length];
        for (int i = 0; i < raw.length; i++) {
            rewards[i] = penalty != 0.0 && !rollouts.get(i).terminated() ? raw[i] - penalty : raw[i];
        }

        // A group takes part only when every one of its completions was scored.
        List<List<Integer>> kept = new ArrayList<>();
        long tokens = 0;
        for (int[] range : ranges) {
            List<Integer> micro = new ArrayList<>();
            for (int g = range[0]; g < range[1]; g += groupSize) {
                boolean scored = true;
                for (int i = g; i < g + groupSize; i++) {
                    scored &= !Double.isNaN(rewards[i]);
                }
                if (scored) {
                    for (int i = g; i < g + groupSize; i++) {
                        micro.add(i);
                        tokens += rollouts.get(i).length();
                    }
                }
            }
            if (!micro.isEmpty()) {
                kept.add(micro);
            }
        }

        Map<String, Double> metrics = new LinkedHashMap<>();
        completionMetrics(metrics, rollouts);
        double[] stats = meanStd(raw);
        String judgeId = context.judge().judge().id();
        metrics.put("rewards/" + judgeId + "/mean", stats[0]);
        metrics.put("rewards/" + judgeId + "/std", stats[1]);
        if (kept.isEmpty()) {
            metrics.putAll(skipped(context, step, failures));
            return metrics;
        }

        Map<String, Object> overrides = new HashMap<>();
        overrides.put(NUM_GENERATIONS, (long) groupSize);
        overrides.put("gradient_accumulation_steps", (long) kept.size());
        overrides.put("num_items_in_batch", tokens);
        overrides.put("num_processes", 1L);
        if (!plan.request().parameters().containsKey("max_completion_length")) {
            overrides.put("max_completion_length", (long) settings.maxCompletionLength());
        }
        Parameters parameters = parameters(overrides);
        boolean reference = wantsReference("ref_logps", "beta");
        TensorSpec old = tensor("old_logps");
        boolean oldLogps = old != null && old.required();
        TensorSpec entropySpec = tensor("entropy");
        boolean entropyGrad = number("entropy_coef", 0.0) != 0.0;
        double temperature = settings.temperature();
        LlamaModel policy = context.policy().model();

        double loss = 0;
        List<Map<String, Double>> calls = new ArrayList<>();
        List<Double> entropies = new ArrayList<>();
        for (List<Integer> micro : kept) {
            RolloutBatch batch = RolloutBatch.of(select(rollouts, micro), context.padId());
            double[] ref = reference ? batch.tokenLogpsNoGrad(context.reference().model(), context.manager(),
                    temperature) : null;
            float[] r = new float[micro.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = (float) rewards[micro.get(i)];
            }
            TrainingContext.LossResult result = context.backward(parameters, 1.0, m -> {
                NDArray logits = RolloutBatch.tempered(batch.completionLogits(policy, m), temperature);
                NDArray logps = batch.tokenLogps(logits, m);
                NDArray mask = batch.mask(m);
                Map<String, NDArray> t = new HashMap<>();
                t.put("logps", logps);
                t.put("mask", mask);
                t.put("rewards", m.create(r));
                if (oldLogps) {
                    t.put("old_logps", logps.stopGradient());
                }
                if (reference) {
                    t.put("ref_logps", batch.perToken(ref, m));
                }
                NDArray entropy = RolloutBatch.entropy(logits);
                if (entropySpec != null) {
                    t.put("entropy", entropyGrad ? entropy : entropy.stopGradient());
                } else {
                    entropies.add(MaskedStatistics.mean(entropy.stopGradient(), mask).toType(DataType.FLOAT64, false)
                            .getDouble());
                }
                return t;
            }, Set.of());
            loss += result.loss();
            calls.add(result.metrics());
        }
        context.optimizerStep(step);

        metrics.putAll(means(calls));
        if (!entropies.isEmpty()) {
            metrics.put("entropy", entropies.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
        }
        metrics.put("loss", loss);
        metrics.put(RolloutJudge.FAILURES, (double) failures);
        metrics.put(RolloutJudge.SKIPPED, 0.0);
        return metrics;
    }
}
