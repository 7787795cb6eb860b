package dev.plumbline.engine.train;

import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.TensorSpec;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How an algorithm is trained, told from the tensors its loss reads — so a third-party algorithm
 * plugin with DPO's (or GRPO's, ...) inputs trains without changes here.
 */
public enum TrainingRecipe {
    /** policy/reference chosen/rejected sequence log-probs: DPO, IPO, CPO, SimPO. */
    PAIRED_PREFERENCE(false),
    /** chosen/rejected average log-probs plus the chosen NLL: ORPO. */
    ODDS_RATIO_PREFERENCE(false),
    /** labelled single completions with a KL reference batch: KTO. */
    UNPAIRED_PREFERENCE(false),
    /** per-token log-probs and one judge reward per completion, groups of num_generations: GRPO, RLOO. */
    GROUP_REWARD(true),
    /** per-token log-probs with a value head, GAE: PPO. */
    ACTOR_CRITIC(true),
    /** K sampled completions per prompt, pairwise win probabilities: SPPO. */
    SELF_PLAY(true),
    /** policy sample vs a sample of the policy/reference geometric mixture, pairwise judge: Nash-MD. */
    NASH_MIRROR_DESCENT(true),
    /** two sampled completions per prompt, judged into chosen/rejected: online DPO. */
    ONLINE_PREFERENCE(true);

    private final boolean online;

    TrainingRecipe(boolean online) {
        this.online = online;
    }

    /** Samples from the policy and needs a judge and a prompt set (else a preference data set). */
    public boolean online() {
        return online;
    }

    /** Whether the judge must compare pairs (else it scores single responses). */
    public boolean pairwiseJudge() {
        return this == SELF_PLAY || this == NASH_MIRROR_DESCENT;
    }

    public static TrainingRecipe of(Algorithm algorithm) {
        Map<String, TensorSpec> t = algorithm.tensors().stream()
                .collect(Collectors.toMap(TensorSpec::name, Function.identity()));
        if (t.containsKey("value_preds")) {
            return ACTOR_CRITIC;
        }
        if (t.containsKey("mixture_scores")) {
            return NASH_MIRROR_DESCENT;
        }
        if (t.containsKey("response_scores") || t.containsKey("chosen_probs_win")) {
            return SELF_PLAY;
        }
        if (t.containsKey("rewards") && t.get("rewards").shape().size() == 2 && t.containsKey("policy_logps")) {
            return ONLINE_PREFERENCE;
        }
        if (t.containsKey("logps") && t.containsKey("rewards")) {
            return GROUP_REWARD;
        }
        if (t.containsKey("labels") && t.containsKey("policy_logps")) {
            return UNPAIRED_PREFERENCE;
        }
        if (t.containsKey("policy_chosen_avg_logps") && t.containsKey("policy_rejected_avg_logps")) {
            return ODDS_RATIO_PREFERENCE;
        }
        if (t.containsKey("policy_chosen_logps") && t.containsKey("policy_rejected_logps")) {
            return PAIRED_PREFERENCE;
        }
        throw new InvalidInputException("algorithm", "no trainer knows how to feed '" + algorithm.id()
                + "' (tensors " + t.keySet() + "); compute its loss with LossService.ComputeLoss instead");
    }
}
