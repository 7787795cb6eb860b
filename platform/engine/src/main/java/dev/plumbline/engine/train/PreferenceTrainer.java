package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.plumbline.engine.model.CompletionBatch;
import dev.plumbline.engine.model.ScoredSequence;
import dev.plumbline.spi.TensorSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Offline preference optimisation on (prompt, chosen, rejected) pairs — TRL's {@code DPOTrainer},
 * {@code CPOTrainer} (CPO, SimPO) and {@code ORPOTrainer} — for any algorithm whose loss reads
 * paired sequence log-probs:
 * <ul>
 *   <li>chosen and rejected go through the policy in one concatenated batch ({@code concatenated_forward});</li>
 *   <li>reference log-probs (algorithms with {@code reference_*_logps}) are computed once, before the
 *       first step, with the frozen base model and cached ({@code precompute_ref_log_probs});</li>
 *   <li>log-probs are summed over completion tokens, with the completion lengths alongside for the
 *       length-normalised losses; reference-free losses (CPO, SimPO) get averages when TRL averages
 *       ({@code average_log_prob}: SimPO always, CPO for loss_type ipo/simpo);</li>
 *   <li>{@code nll_loss} (CPO's {@code cpo_alpha}) is the token-mean cross-entropy of the chosen
 *       completions; ORPO gets the chosen per-token log-probs and masks and decides itself whether the
 *       prompt counts ({@code nll_includes_prompt}).</li>
 * </ul>
 * Each micro-batch's loss is divided by {@code gradient_accumulation_steps}, as transformers does.
 */
final class PreferenceTrainer implements AlgorithmTrainer {

    private static final String POLICY_CHOSEN = "policy_chosen_logps";
    private static final String POLICY_REJECTED = "policy_rejected_logps";
    private static final String REFERENCE_CHOSEN = "reference_chosen_logps";
    private static final String REFERENCE_REJECTED = "reference_rejected_logps";

    private final TrainingPlan plan;
    private final EpochOrder order;
    private final Set<String> tensors;
    private final boolean orpo;
    private final boolean usesReference;
    private final boolean averaged;
    private List<ScoredSequence> chosen;
    private List<ScoredSequence> rejected;
    private double[] referenceChosen;
    private double[] referenceRejected;

    PreferenceTrainer(TrainingPlan plan) {
        this.plan = plan;
        this.order = new EpochOrder(plan.preferences().size(), plan.settings().batchSize(), plan.request().seed());
        this.tensors = plan.algorithm().tensors().stream().map(TensorSpec::name).collect(Collectors.toSet());
        this.orpo = plan.recipe() == TrainingRecipe.ODDS_RATIO_PREFERENCE;
        this.usesReference = tensors.contains(REFERENCE_CHOSEN);
        this.averaged = !orpo && !usesReference && averagesLogps(plan);
    }

    /** TRL's average_log_prob for reference-free losses: SimPO (no loss_type) always, CPO for ipo/simpo. */
    private static boolean averagesLogps(TrainingPlan plan) {
        if (!plan.parameters().asMap().containsKey("loss_type")) {
            return true;
        }
        String lossType = plan.parameters().string("loss_type");
        return lossType.equals("ipo") || lossType.equals("simpo");
    }

    @Override
    public int totalSteps() {
        TrainerSettings s = plan.settings();
        return order.totalSteps(s.maxSteps(), s.epochs(), s.gradientAccumulationSteps());
    }

    @Override
    public double epochAt(int steps) {
        return order.epochAt((long) steps * plan.settings().gradientAccumulationSteps());
    }

    @Override
    public void prepare(TrainingContext context) {
        chosen = new ArrayList<>();
        rejected = new ArrayList<>();
        for (TrainingData.PreferencePair p : plan.preferences()) {
            chosen.add(SequenceLogps.encode(context, p.chosen()));
            rejected.add(SequenceLogps.encode(context, p.rejected()));
        }
        if (usesReference) {
            int batch = Math.max(1, plan.settings().batchSize());
            referenceChosen = SequenceLogps.sumsNoGrad(context.reference().model(), chosen, context.padId(), batch,
                    context.manager());
            referenceRejected = SequenceLogps.sumsNoGrad(context.reference().model(), rejected, context.padId(), batch,
                    context.manager());
            context.message("reference log-probs of " + chosen.size() + " pairs computed and cached");
        }
    }

    @Override
    public Map<String, Double> step(int step, TrainingContext context) {
        int accumulation = plan.settings().gradientAccumulationSteps();
        MetricMeans means = new MetricMeans();
        long tokens = 0;
        for (int a = 0; a < accumulation; a++) {
            List<Integer> indexes = order.batch((long) step * accumulation + a);
            List<ScoredSequence> sequences = new ArrayList<>(indexes.size() * 2);
            indexes.forEach(i -> sequences.add(chosen.get(i)));
            indexes.forEach(i -> sequences.add(rejected.get(i)));
            CompletionBatch batch = CompletionBatch.of(sequences, context.padId());
            for (long m : batch.attentionMask()) {
                tokens += m;
            }
            TrainingContext.LossResult r = context.backward(1.0 / accumulation,
                    m -> tensors(context, batch, indexes, m), Set.of());
            means.add("loss", r.loss());
            means.addAll(r.metrics());
        }
        Map<String, Double> metrics = means.drain();
        metrics.put("num_tokens", (double) tokens);
        context.optimizerStep(step);
        return metrics;
    }

    private Map<String, NDArray> tensors(TrainingContext context, CompletionBatch batch, List<Integer> indexes,
            NDManager m) {
        int b = indexes.size();
        NDArray tokenLogps = SequenceLogps.tokenLogps(context.policy().model(), batch, m);
        NDArray sums = SequenceLogps.sums(tokenLogps);
        NDArray counts = SequenceLogps.counts(batch, m);
        NDArray chosenCounts = counts.get(new NDIndex("0:" + b));
        NDArray rejectedCounts = counts.get(new NDIndex(b + ":"));
        Map<String, NDArray> t = new HashMap<>();
        if (orpo) {
            NDArray averages = sums.div(counts);
            t.put("policy_chosen_avg_logps", averages.get(new NDIndex("0:" + b)));
            t.put("policy_rejected_avg_logps", averages.get(new NDIndex(b + ":")));
            t.put("chosen_token_logps", tokenLogps.get(new NDIndex("0:" + b)));
            t.put("chosen_attention_mask", batch.attentionMask(m).get(new NDIndex("0:" + b))
                    .toType(ai.djl.ndarray.types.DataType.FLOAT32, false));
            t.put("chosen_completion_mask", batch.targetMask(m).get(new NDIndex("0:" + b)));
            return t;
        }
        NDArray logps = averaged ? sums.div(counts) : sums;
        t.put(POLICY_CHOSEN, logps.get(new NDIndex("0:" + b)));
        t.put(POLICY_REJECTED, logps.get(new NDIndex(b + ":")));
        if (usesReference) {
            t.put(REFERENCE_CHOSEN, m.create(SequenceLogps.pick(referenceChosen, indexes), new Shape(b)));
            t.put(REFERENCE_REJECTED, m.create(SequenceLogps.pick(referenceRejected, indexes), new Shape(b)));
        }
        if (tensors.contains("chosen_lengths")) {
            t.put("chosen_lengths", chosenCounts);
            t.put("rejected_lengths", rejectedCounts);
        }
        if (tensors.contains("nll_loss")) {
            // Token-mean cross-entropy of the chosen completions (TRL's policy_nll_loss).
            NDArray chosenTokens = tokenLogps.get(new NDIndex("0:" + b));
            t.put("nll_loss", chosenTokens.sum().neg().div(chosenCounts.sum()));
        }
        return t;
    }

}
