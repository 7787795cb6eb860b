package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.plumbline.engine.model.LlamaModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Online DPO — TRL {@code trl/experimental/online_dpo/online_dpo_trainer.py::training_step} with a
 * pointwise judge as the reward function.
 *
 * <p>A step takes {@code gradient_accumulation_steps} micro-batches of {@code per_device_train_batch_size}
 * prompts and samples two completions per prompt from the current policy, scores both with the judge
 * ({@code missing_eos_penalty} subtracted from completions without a stop token), and feeds the plugin
 * {@code rewards}, {@code policy_logps} (summed completion log-probs, gradient, no temperature) and
 * {@code reference_logps} as {@code [2, B]} (row 0 the first completion of each prompt, row 1 the
 * second); the plugin picks chosen/rejected (ties to the first) and computes the sigmoid or IPO loss.
 * Each micro-batch's loss is divided by the micro-batches of the step, then one optimizer step.
 *
 * <p>Metrics: the plugin's ({@code objective/scores}, {@code objective/scores_margin},
 * {@code logps/chosen}, {@code logps/rejected}, {@code rewards/chosen}, {@code rewards/rejected},
 * {@code rewards/margins}, {@code rewards/accuracies}, {@code beta}) plus TRL's
 * {@code objective/kl} (mean over completions of the summed {@code log pi - log pi_ref}),
 * {@code objective/non_score_reward} ({@code -beta} times it), {@code objective/rlhf_reward}
 * ({@code scores + non_score_reward}), {@code objective/entropy} (mean of {@code -sum log pi}),
 * {@code val/contain_eos_token}, {@code loss}, {@code judge/failures}, {@code judge/skipped_steps}.
 *
 * <p>Differences from TRL: a prompt with a failed verdict is dropped (counted); the KL and entropy
 * metrics sum over completion tokens only (TRL also sums the padding after EOS, a logging quirk);
 * sampling follows the trainer settings (temperature default 1.0 where TRL's is 0.9,
 * {@code max_completion_length} 256 where TRL's {@code max_new_tokens} is 64).
 */
final class OnlineDpoTrainer extends OnlineTrainer {

    OnlineDpoTrainer(TrainingPlan plan) {
        super(plan, plan.settings().batchSize(), plan.settings().gradientAccumulationSteps());
    }

    @Override
    public Map<String, Double> step(int step, TrainingContext context) {
        List<Integer> rows = new ArrayList<>();
        List<int[]> ranges = new ArrayList<>();
        for (List<Integer> batch : batches(step)) {
            int from = rows.size();
            rows.addAll(batch);
            rows.addAll(batch);
            ranges.add(new int[] {from, batch.size()});
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

        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("val/contain_eos_token", terminatedShare(rollouts));
        // Per micro-batch: the first-completion row of each prompt both of whose completions were scored.
        List<List<int[]>> micro = new ArrayList<>();
        for (int[] range : ranges) {
            List<int[]> kept = new ArrayList<>();
            for (int i = 0; i < range[1]; i++) {
                int first = range[0] + i;
                int second = range[0] + range[1] + i;
                if (!Double.isNaN(rewards[first]) && !Double.isNaN(rewards[second])) {
                    kept.add(new int[] {first, second});
                }
            }
            if (!kept.isEmpty()) {
                micro.add(kept);
            }
        }
        if (micro.isEmpty()) {
            metrics.putAll(skipped(context, step, failures));
            return metrics;
        }

        LlamaModel policy = context.policy().model();
        double beta = number("beta", 0.1);
        double scale = 1.0 / micro.size();
        double loss = 0;
        List<Map<String, Double>> calls = new ArrayList<>();
        List<Double> kl = new ArrayList<>();
        List<Double> entropy = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        for (List<int[]> kept : micro) {
            int n = kept.size();
            List<Rollouts.Rollout> sequences = new ArrayList<>();
            float[] r = new float[2 * n];
            for (int i = 0; i < n; i++) {
                sequences.add(rollouts.get(kept.get(i)[0]));
                r[i] = (float) rewards[kept.get(i)[0]];
            }
            for (int i = 0; i < n; i++) {
                sequences.add(rollouts.get(kept.get(i)[1]));
                r[n + i] = (float) rewards[kept.get(i)[1]];
            }
            for (float v : r) {
                scores.add((double) v);
            }
            RolloutBatch batch = RolloutBatch.of(sequences, context.padId());
            double[] ref = batch.rowSums(batch.tokenLogpsNoGrad(context.reference().model(), context.manager(), 1.0));
            float[] refSums = new float[2 * n];
            for (int i = 0; i < refSums.length; i++) {
                refSums[i] = (float) ref[i];
            }
            double[][] policySums = new double[1][];
            TrainingContext.LossResult result = context.backward(scale, m -> {
                NDArray sums = batch.tokenLogps(batch.completionLogits(policy, m), m).sum(new int[] {1});
                policySums[0] = sums.stopGradient().toType(DataType.FLOAT64, false).toDoubleArray();
                Map<String, NDArray> t = new HashMap<>();
                t.put("rewards", m.create(r, new Shape(2, n)));
                t.put("policy_logps", sums.reshape(new Shape(2, n)));
                t.put("reference_logps", m.create(refSums, new Shape(2, n)));
                return t;
            }, Set.of());
            for (int i = 0; i < 2 * n; i++) {
                kl.add(policySums[0][i] - ref[i]);
                entropy.add(-policySums[0][i]);
            }
            loss += result.loss() * scale;
            calls.add(result.metrics());
        }
        context.optimizerStep(step);
        metrics.putAll(means(calls));
        double meanKl = kl.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double meanScore = scores.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        metrics.put("objective/kl", meanKl);
        metrics.put("objective/non_score_reward", -beta * meanKl);
        metrics.put("objective/rlhf_reward", meanScore - beta * meanKl);
        metrics.put("objective/entropy", entropy.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
        metrics.put("loss", loss);
        metrics.put(RolloutJudge.FAILURES, (double) failures);
        metrics.put(RolloutJudge.SKIPPED, 0.0);
        return metrics;
    }
}
