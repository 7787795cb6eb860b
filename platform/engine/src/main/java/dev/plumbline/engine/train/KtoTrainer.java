package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.plumbline.engine.model.CompletionBatch;
import dev.plumbline.engine.model.ScoredSequence;
import dev.plumbline.engine.model.train.SftExample;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.TensorSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Offline KTO on completions labelled desirable or undesirable — TRL's {@code KTOTrainer}:
 * summed completion log-probs of the policy (with gradients) and of the frozen reference (computed
 * once and cached), and, for the KL baseline, the log-probs of mismatched pairs — prompt i with the
 * completion of example i-1 of the same micro-batch — under the policy without gradients and under
 * the reference. TRL pairs the mismatched completions once in dataset order; pairing within each
 * shuffled micro-batch is what the kto plugin documents and gives a fresh KL estimate every epoch.
 * Paired preference data is unpaired (chosen → desirable, rejected → undesirable).
 */
final class KtoTrainer implements AlgorithmTrainer {

    private final TrainingPlan plan;
    private final EpochOrder order;
    private final boolean needsKl;
    private List<ScoredSequence> sequences;
    private double[] reference;

    KtoTrainer(TrainingPlan plan) {
        this.plan = plan;
        this.order = new EpochOrder(plan.labeled().size(), plan.settings().batchSize(), plan.request().seed());
        boolean klTensors = plan.algorithm().tensors().stream().map(TensorSpec::name)
                .anyMatch(n -> n.equals("policy_kl_logps"));
        this.needsKl = klTensors && !(plan.parameters().asMap().containsKey("loss_type")
                && plan.parameters().string("loss_type").startsWith("apo"));
        if (needsKl && plan.settings().batchSize() < 2) {
            throw new InvalidInputException("trainer.per_device_train_batch_size", "must be >= 2 for "
                    + plan.algorithm().id() + ": the KL baseline pairs each prompt with another example's completion");
        }
        if (needsKl) {
            Class<?> format = plan.labeled().get(0).example().getClass();
            for (TrainingData.LabeledCompletion c : plan.labeled()) {
                if (c.example().getClass() != format) {
                    throw new InvalidInputException(c.source(), "mixes conversational and plain examples; KTO's KL"
                            + " baseline pairs prompts with other examples' completions, so use one format");
                }
            }
        }
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
        sequences = new ArrayList<>();
        for (TrainingData.LabeledCompletion c : plan.labeled()) {
            sequences.add(SequenceLogps.encode(context, c.example()));
        }
        reference = SequenceLogps.sumsNoGrad(context.reference().model(), sequences, context.padId(),
                plan.settings().batchSize(), context.manager());
        long desirable = plan.labeled().stream().filter(TrainingData.LabeledCompletion::desirable).count();
        context.message("reference log-probs of " + sequences.size() + " completions cached (" + desirable
                + " desirable, " + (sequences.size() - desirable) + " undesirable)");
    }

    @Override
    public Map<String, Double> step(int step, TrainingContext context) {
        int accumulation = plan.settings().gradientAccumulationSteps();
        MetricMeans means = new MetricMeans();
        for (int a = 0; a < accumulation; a++) {
            List<Integer> indexes = order.batch((long) step * accumulation + a);
            List<ScoredSequence> batchSequences = new ArrayList<>();
            indexes.forEach(i -> batchSequences.add(sequences.get(i)));
            CompletionBatch batch = CompletionBatch.of(batchSequences, context.padId());
            double[] policyKl = null;
            double[] referenceKl = null;
            if (needsKl && indexes.size() > 1) {
                List<ScoredSequence> mismatched = mismatched(context, indexes);
                int n = mismatched.size();
                policyKl = SequenceLogps.sumsNoGrad(context.policy().model(), mismatched, context.padId(), n,
                        context.manager());
                referenceKl = SequenceLogps.sumsNoGrad(context.reference().model(), mismatched, context.padId(), n,
                        context.manager());
            }
            double[] pkl = policyKl;
            double[] rkl = referenceKl;
            TrainingContext.LossResult r = context.backward(1.0 / accumulation, m -> {
                Map<String, NDArray> t = new HashMap<>();
                t.put("policy_logps", SequenceLogps.sums(SequenceLogps.tokenLogps(context.policy().model(), batch, m)));
                t.put("reference_logps", m.create(SequenceLogps.pick(reference, indexes), new Shape(indexes.size())));
                t.put("labels", m.create(labels(indexes), new Shape(indexes.size())));
                if (pkl != null) {
                    t.put("policy_kl_logps", m.create(floats(pkl), new Shape(pkl.length)));
                    t.put("reference_kl_logps", m.create(floats(rkl), new Shape(rkl.length)));
                }
                return t;
            }, Set.of());
            means.add("loss", r.loss());
            means.addAll(r.metrics());
        }
        context.optimizerStep(step);
        return means.drain();
    }

    /** Prompt i with the completion of example i-1 (cyclically) of the micro-batch. */
    private List<ScoredSequence> mismatched(TrainingContext context, List<Integer> indexes) {
        List<ScoredSequence> out = new ArrayList<>(indexes.size());
        for (int j = 0; j < indexes.size(); j++) {
            SftExample prompt = plan.labeled().get(indexes.get(j)).example();
            SftExample completion = plan.labeled().get(indexes.get((j - 1 + indexes.size()) % indexes.size())).example();
            out.add(SequenceLogps.encode(context, combine(prompt, completion)));
        }
        return out;
    }

    private static SftExample combine(SftExample prompt, SftExample completion) {
        if (prompt instanceof SftExample.ChatPromptCompletion p && completion instanceof SftExample.ChatPromptCompletion c) {
            return new SftExample.ChatPromptCompletion(p.source(), p.prompt(), c.completion());
        }
        if (prompt instanceof SftExample.PromptCompletion p && completion instanceof SftExample.PromptCompletion c) {
            return new SftExample.PromptCompletion(p.source(), p.prompt(), c.completion());
        }
        throw new InvalidInputException(completion.source(), "mixes conversational and plain examples; KTO's KL"
                + " baseline pairs prompts with other examples' completions, so use one format");
    }

    private float[] labels(List<Integer> indexes) {
        float[] out = new float[indexes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = plan.labeled().get(indexes.get(i)).desirable() ? 1f : 0f;
        }
        return out;
    }


    private static float[] floats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
