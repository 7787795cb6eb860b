package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.loss.Metrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Nash-MD — TRL {@code trl/experimental/nash_md/nash_md_trainer.py::NashMDTrainer.training_step} with a
 * pairwise judge ({@code _compute_judge}).
 *
 * <p>A step takes {@code gradient_accumulation_steps} micro-batches of {@code per_device_train_batch_size}
 * prompts; for each prompt it samples {@code y} from the current policy and {@code y'} from the
 * geometric mixture {@code log_softmax(a z_ref + (1 - a) z_pi)} of the policy and the frozen
 * reference ({@link Generator#geometricMixture}; {@code a} = the algorithm's {@code mixture_coef} when
 * the request gives it, else {@code trainer.mixture_coef} when given, else the algorithm's default 0.5).
 * The judge gives {@code p = P(y > y')}; the plugin receives it as {@code model_scores = logit(p)},
 * {@code mixture_scores = 0}, so its Bradley-Terry {@code sigmoid(s_model - s_mix)} is exactly the
 * judge's probability (clamped to [1e-6, 1 - 1e-6] so the logit is finite), as TRL uses the judge's
 * probability in place of the reward-model sigmoid. Per-token log-probs of {@code y} under the policy
 * (gradient) and the reference use no temperature, as TRL. Each micro-batch's loss is divided by the
 * micro-batches of the step, then one optimizer step.
 *
 * <p>Metrics: the plugin's ({@code loss/score}, {@code loss/kl}, {@code objective/entropy},
 * {@code rewards/probabilities}, {@code rewards/margins}, {@code rewards/accuracies},
 * {@code logps/chosen}, {@code logps/rejected}, {@code beta}, {@code mixture_coef}) without
 * {@code rewards/chosen}/{@code rewards/rejected} (reward-model scores, which TRL does not log with a
 * judge either), plus {@code val/model_contain_eos_token}, {@code val/ref_contain_eos_token},
 * {@code loss}, {@code judge/failures} and {@code judge/skipped_steps}.
 *
 * <p>Differences from TRL: a prompt whose verdict failed is dropped (counted); the mixture samples use
 * the KV cache (TRL's wrapper disables it — the logits are the same); {@code missing_eos_penalty} does
 * not apply (it adjusts reward-model scores, which a pairwise judge does not give); sampling follows the
 * trainer settings (temperature default 1.0 where TRL's is 0.9, {@code max_completion_length} 256 where
 * TRL's {@code max_new_tokens} is 64).
 */
final class NashMdTrainer extends OnlineTrainer {

    private static final double CLAMP = 1e-6;

    private final double mixtureCoef;

    NashMdTrainer(TrainingPlan plan) {
        super(plan, plan.settings().batchSize(), plan.settings().gradientAccumulationSteps());
        this.mixtureCoef = shared(plan, "mixture_coef");
    }

    @Override
    public Map<String, Double> step(int step, TrainingContext context) {
        List<Integer> rows = new ArrayList<>();
        List<int[]> ranges = new ArrayList<>();
        for (List<Integer> batch : batches(step)) {
            int from = rows.size();
            rows.addAll(batch);
            ranges.add(new int[] {from, rows.size()});
        }
        Generator generator = Rollouts.policyGenerator(context);
        List<Rollouts.Rollout> policySamples = Rollouts.sample(context, generator, encoded, rows, context.seed(step, 0));
        List<Rollouts.Rollout> mixtureSamples = Rollouts.sample(context,
                generator.geometricMixture(context.reference().model(), mixtureCoef), encoded, rows,
                context.seed(step, 1));
        double[] p = RolloutJudge.preferences(context, policySamples, mixtureSamples, step);
        int failures = RolloutJudge.failures(p);

        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("val/model_contain_eos_token", terminatedShare(policySamples));
        metrics.put("val/ref_contain_eos_token", terminatedShare(mixtureSamples));
        List<List<Integer>> micro = new ArrayList<>();
        for (int[] range : ranges) {
            List<Integer> kept = new ArrayList<>();
            for (int i = range[0]; i < range[1]; i++) {
                if (!Double.isNaN(p[i])) {
                    kept.add(i);
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

        Parameters parameters = parameters(Map.of("mixture_coef", mixtureCoef));
        LlamaModel policy = context.policy().model();
        double scale = 1.0 / micro.size();
        double loss = 0;
        List<Map<String, Double>> calls = new ArrayList<>();
        for (List<Integer> kept : micro) {
            RolloutBatch batch = RolloutBatch.of(select(policySamples, kept), context.padId());
            double[] ref = batch.tokenLogpsNoGrad(context.reference().model(), context.manager(), 1.0);
            float[] modelScores = new float[kept.size()];
            for (int i = 0; i < modelScores.length; i++) {
                double q = Math.max(CLAMP, Math.min(1.0 - CLAMP, p[kept.get(i)]));
                modelScores[i] = (float) Math.log(q / (1.0 - q));
            }
            TrainingContext.LossResult result = context.backward(parameters, scale, m -> {
                Map<String, NDArray> t = new HashMap<>();
                t.put("policy_logps", batch.tokenLogps(batch.completionLogits(policy, m), m));
                t.put("reference_logps", batch.perToken(ref, m));
                t.put("mask", batch.mask(m));
                t.put("model_scores", m.create(modelScores));
                t.put("mixture_scores", m.zeros(new ai.djl.ndarray.types.Shape(modelScores.length)));
                return t;
            }, Set.of());
            loss += result.loss() * scale;
            Map<String, Double> callMetrics = new LinkedHashMap<>(result.metrics());
            callMetrics.remove(Metrics.REWARDS_CHOSEN);
            callMetrics.remove(Metrics.REWARDS_REJECTED);
            calls.add(callMetrics);
        }
        context.optimizerStep(step);
        metrics.putAll(means(calls));
        metrics.put("loss", loss);
        metrics.put(RolloutJudge.FAILURES, (double) failures);
        metrics.put(RolloutJudge.SKIPPED, 0.0);
        return metrics;
    }
}
