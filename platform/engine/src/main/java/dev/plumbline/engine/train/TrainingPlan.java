package dev.plumbline.engine.train;

import dev.plumbline.engine.judge.GuardedJudge;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.Parameters;
import java.util.List;

/**
 * A validated training run: every input was checked (data sets read line by line) before any
 * weight is touched. Made by {@link TrainingPlanner#plan}; run by {@link TrainingLoop#run}.
 *
 * @param preferences paired data (DPO-style and ORPO recipes), else empty
 * @param labeled unpaired data (KTO), else empty
 * @param prompts prompt set (online recipes), else empty
 * @param judge the guarded judge of an online run, else {@code null}
 */
public record TrainingPlan(
        TrainingRequest request,
        Algorithm algorithm,
        Parameters parameters,
        TrainerSettings settings,
        TrainingRecipe recipe,
        List<TrainingData.PreferencePair> preferences,
        List<TrainingData.LabeledCompletion> labeled,
        List<TrainingData.Prompt> prompts,
        GuardedJudge judge) {

    public TrainingPlan {
        preferences = List.copyOf(preferences);
        labeled = List.copyOf(labeled);
        prompts = List.copyOf(prompts);
    }

    /** Examples (pairs, labelled completions or prompts) the run reads. */
    public int dataSize() {
        return recipe.online() ? prompts.size() : Math.max(preferences.size(), labeled.size());
    }
}
