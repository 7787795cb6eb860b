package dev.plumbline.engine.train;

import dev.plumbline.spi.ComparisonPair;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.PairwiseVerdict;
import dev.plumbline.spi.Preference;
import dev.plumbline.spi.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * The judge of an online run applied to rollouts. A failed verdict (any status but VALID, a missing
 * or non-finite value) comes back as {@code NaN} — the trainers drop what it belongs to and count it
 * as {@code judge/failures}; it never becomes a reward.
 */
final class RolloutJudge {

    static final String FAILURES = "judge/failures";
    static final String SKIPPED = "judge/skipped_steps";
    private static final String DEFAULT_VALUE = "score";

    private RolloutJudge() {}

    /**
     * The reward of each rollout: the verdict value named {@code trainer.reward_value} (or the only
     * value of a single-valued verdict when that setting is left at {@code score}); {@code NaN} for a
     * failed verdict.
     *
     * @throws InvalidInputException when a valid verdict lacks the configured value
     */
    static double[] rewards(TrainingContext context, List<Rollouts.Rollout> rollouts, int step) {
        List<TrainingData.Prompt> prompts = context.plan().prompts();
        List<JudgeSample> samples = new ArrayList<>(rollouts.size());
        for (int i = 0; i < rollouts.size(); i++) {
            Rollouts.Rollout r = rollouts.get(i);
            TrainingData.Prompt p = prompts.get(r.prompt());
            samples.add(new JudgeSample("step-" + (step + 1) + "/completion-" + i, p.promptText(), r.text(),
                    p.category(), p.reference(), p.history(), p.metadata()));
        }
        List<Verdict> verdicts = context.judge().score(samples, "rollouts");
        String name = context.settings().rewardValue();
        double[] out = new double[rollouts.size()];
        for (int i = 0; i < out.length; i++) {
            Verdict v = verdicts.get(i);
            out[i] = Double.NaN;
            if (!v.isValid()) {
                continue;
            }
            Double value = v.values().get(name);
            if (value == null && name.equals(DEFAULT_VALUE) && v.values().size() == 1) {
                value = v.values().values().iterator().next();
            }
            if (value == null) {
                throw new InvalidInputException("trainer.reward_value", "judge '" + context.judge().judge().id()
                        + "' gave no value '" + name + "'; its values: " + v.values().keySet());
            }
            out[i] = Double.isFinite(value) ? value : Double.NaN;
        }
        return out;
    }

    /**
     * {@code P(a_i > b_i)} per pair: the verdict's {@code probabilityA}, or 1 / 0 / 0.5 from its
     * preference when it gives no probability; {@code NaN} for a failed verdict.
     */
    static double[] preferences(TrainingContext context, List<Rollouts.Rollout> a, List<Rollouts.Rollout> b,
            int step) {
        List<TrainingData.Prompt> prompts = context.plan().prompts();
        List<ComparisonPair> pairs = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            TrainingData.Prompt p = prompts.get(a.get(i).prompt());
            pairs.add(new ComparisonPair("step-" + (step + 1) + "/pair-" + i, p.promptText(), a.get(i).text(),
                    b.get(i).text(), p.reference(), p.category(), p.history()));
        }
        List<PairwiseVerdict> verdicts = context.judge().compare(pairs, "rollouts");
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = probabilityA(verdicts.get(i));
        }
        return out;
    }

    static double probabilityA(PairwiseVerdict v) {
        if (v.status() != dev.plumbline.spi.VerdictStatus.VALID) {
            return Double.NaN;
        }
        double p = v.probabilityA();
        if (Double.isFinite(p)) {
            return Math.max(0.0, Math.min(1.0, p));
        }
        if (v.preference() == null) {
            return Double.NaN;
        }
        return v.preference() == Preference.A ? 1.0 : v.preference() == Preference.B ? 0.0 : 0.5;
    }

    static int failures(double[] values) {
        int n = 0;
        for (double v : values) {
            n += Double.isNaN(v) ? 1 : 0;
        }
        return n;
    }
}
