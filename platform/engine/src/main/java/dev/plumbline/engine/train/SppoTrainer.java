package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SPPO, online — uclaml/SPPO's iteration ({@code scripts/generate.py}, {@code rank.py},
 * {@code compute_prob.py}, {@code sppo/trainer.py}) with the pairwise judge in PairRM's place.
 *
 * <p>A step takes {@code gradient_accumulation_steps} micro-batches of {@code per_device_train_batch_size}
 * prompts, samples K = num_generations completions per prompt from the current policy (the algorithm's
 * parameter when it has one, else {@code trainer.num_generations}), and lets the pairwise judge compare
 * every pair once (presentation order is the judge's business): {@code P[i][j] = probabilityA} of
 * (i, j), {@code P[j][i] = 1 - P[i][j]}, {@code P[i][i] = 1/2}. The estimated win rate of response i
 * against the policy is {@code mean_j P[i][j]} (self term included, as {@code compute_prob.py}); the
 * chosen response is the argmax, the rejected the argmin (first on ties), and the plugin gets
 * {@code chosen_probs_win}, {@code chosen_probs_lose} and {@code chosen_probs = P[w][l]} with the summed
 * completion log-probs of both under the policy and the reference. Log-probs use no temperature
 * (the authors' {@code get_batch_logps}). Each micro-batch's loss is divided by the micro-batches of
 * the step (gradient accumulation), then one optimizer step.
 *
 * <p>Metrics: the plugin's DPO names ({@code rewards/chosen}, {@code rewards/rejected},
 * {@code rewards/accuracies}, {@code rewards/margins}, {@code logps/chosen}, {@code logps/rejected}),
 * {@code loss}, TRL's {@code completions/*}, {@code judge/failures} (failed pair verdicts) and
 * {@code judge/skipped_steps}.
 *
 * <p>Differences from the authors' pipeline:
 * <ul>
 *   <li>The reference is the run's base checkpoint (one run = one SPPO iteration with pi_t = base;
 *       chain runs for more iterations), but responses are sampled from the current policy every step
 *       (online), not once from pi_t before the iteration, so win rates are estimated against the
 *       current policy.</li>
 *   <li>Win probabilities come from the pairwise judge's {@code probabilityA} (or its preference as
 *       1/0/0.5) instead of {@code sigmoid(s_i - s_j)} of PairRM scores; chosen/rejected are the
 *       best/worst by estimated win rate.</li>
 *   <li>A prompt with any failed comparison is dropped (counted in {@code judge/failures}).</li>
 *   <li>AdamW from the trainer settings, not RMSprop; K defaults to {@code trainer.num_generations} (8),
 *       the authors use 5.</li>
 * </ul>
 */
final class SppoTrainer extends OnlineTrainer {

    private static final String NUM_GENERATIONS = "num_generations";

    private final int k;

    SppoTrainer(TrainingPlan plan) {
        super(plan, plan.settings().batchSize(), plan.settings().gradientAccumulationSteps());
        double g = shared(plan, NUM_GENERATIONS);
        if (g < 2) {
            throw new InvalidInputException(sharedField(plan, NUM_GENERATIONS), "must be >= 2 for "
                    + plan.algorithm().id() + " (responses compared per prompt), got " + (long) g);
        }
        this.k = (int) g;
    }

    @Override
    public Map<String, Double> step(int step, TrainingContext context) {
        List<Integer> rows = new ArrayList<>();
        List<int[]> ranges = new ArrayList<>();
        for (List<Integer> batch : batches(step)) {
            int from = rows.size() / k;
            for (int prompt : batch) {
                for (int i = 0; i < k; i++) {
                    rows.add(prompt);
                }
            }
            ranges.add(new int[] {from, rows.size() / k});
        }
        List<Rollouts.Rollout> rollouts = Rollouts.sample(context, Rollouts.policyGenerator(context), encoded, rows,
                context.seed(step, 0));
        int groups = rows.size() / k;
        List<Rollouts.Rollout> a = new ArrayList<>();
        List<Rollouts.Rollout> b = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            for (int i = 0; i < k; i++) {
                for (int j = i + 1; j < k; j++) {
                    a.add(rollouts.get(g * k + i));
                    b.add(rollouts.get(g * k + j));
                }
            }
        }
        double[] p = RolloutJudge.preferences(context, a, b, step);
        int failures = RolloutJudge.failures(p);

        // Per prompt: win rates, chosen and rejected.
        int pairsPerGroup = k * (k - 1) / 2;
        List<List<Choice>> micro = new ArrayList<>();
        for (int[] range : ranges) {
            List<Choice> choices = new ArrayList<>();
            for (int g = range[0]; g < range[1]; g++) {
                double[][] matrix = new double[k][k];
                boolean scored = true;
                int at = g * pairsPerGroup;
                for (int i = 0; i < k; i++) {
                    matrix[i][i] = 0.5;
                    for (int j = i + 1; j < k; j++) {
                        double pij = p[at++];
                        scored &= !Double.isNaN(pij);
                        matrix[i][j] = pij;
                        matrix[j][i] = 1.0 - pij;
                    }
                }
                if (scored) {
                    choices.add(Choice.of(matrix, g * k));
                }
            }
            if (!choices.isEmpty()) {
                micro.add(choices);
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        completionMetrics(metrics, rollouts);
        if (micro.isEmpty()) {
            metrics.putAll(skipped(context, step, failures));
            return metrics;
        }

        LlamaModel policy = context.policy().model();
        double scale = 1.0 / micro.size();
        double loss = 0;
        List<Map<String, Double>> calls = new ArrayList<>();
        for (List<Choice> choices : micro) {
            int n = choices.size();
            List<Rollouts.Rollout> sequences = new ArrayList<>();
            float[] win = new float[n];
            float[] lose = new float[n];
            float[] probs = new float[n];
            for (int i = 0; i < n; i++) {
                sequences.add(rollouts.get(choices.get(i).chosen()));
                win[i] = (float) choices.get(i).win();
                lose[i] = (float) choices.get(i).lose();
                probs[i] = (float) choices.get(i).probability();
            }
            for (Choice c : choices) {
                sequences.add(rollouts.get(c.rejected()));
            }
            RolloutBatch batch = RolloutBatch.of(sequences, context.padId());
            double[] ref = batch.rowSums(batch.tokenLogpsNoGrad(context.reference().model(), context.manager(), 1.0));
            float[] refChosen = new float[n];
            float[] refRejected = new float[n];
            for (int i = 0; i < n; i++) {
                refChosen[i] = (float) ref[i];
                refRejected[i] = (float) ref[n + i];
            }
            TrainingContext.LossResult result = context.backward(scale, m -> {
                NDArray sums = batch.tokenLogps(batch.completionLogits(policy, m), m).sum(new int[] {1});
                Map<String, NDArray> t = new HashMap<>();
                t.put("policy_chosen_logps", sums.get(new NDIndex().addSliceDim(0, n)));
                t.put("policy_rejected_logps", sums.get(new NDIndex().addSliceDim(n, 2L * n)));
                t.put("reference_chosen_logps", m.create(refChosen));
                t.put("reference_rejected_logps", m.create(refRejected));
                t.put("chosen_probs_win", m.create(win));
                t.put("chosen_probs_lose", m.create(lose));
                t.put("chosen_probs", m.create(probs));
                return t;
            }, Set.of());
            loss += result.loss() * scale;
            calls.add(result.metrics());
        }
        context.optimizerStep(step);
        metrics.putAll(means(calls));
        metrics.put("loss", loss);
        metrics.put(RolloutJudge.FAILURES, (double) failures);
        metrics.put(RolloutJudge.SKIPPED, 0.0);
        return metrics;
    }

    /**
     * One prompt's pair for the loss.
     *
     * @param chosen rollout index of the response with the highest estimated win rate
     * @param rejected rollout index of the lowest
     * @param win {@code mean_j P[w][j]}
     * @param lose {@code mean_j P[l][j]}
     * @param probability {@code P[w][l]}
     */
    record Choice(int chosen, int rejected, double win, double lose, double probability) {

        static Choice of(double[][] p, int offset) {
            int k = p.length;
            double[] rate = new double[k];
            for (int i = 0; i < k; i++) {
                double s = 0;
                for (int j = 0; j < k; j++) {
                    s += p[i][j];
                }
                rate[i] = s / k;
            }
            int w = 0;
            int l = 0;
            for (int i = 1; i < k; i++) {
                if (rate[i] > rate[w]) {
                    w = i;
                }
                if (rate[i] < rate[l]) {
                    l = i;
                }
            }
            return new Choice(offset + w, offset + l, rate[w], rate[l], p[w][l]);
        }
    }
}
