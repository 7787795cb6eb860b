package dev.plumbline.engine.train;

import dev.plumbline.engine.judge.GuardedJudge;
import dev.plumbline.engine.model.checkpoint.SafetensorsCheckpoint;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Parameters;
import java.nio.file.Files;
import java.util.List;

/**
 * Checks a {@link TrainingRequest} completely — algorithm, parameters, trainer settings, base
 * checkpoint, every data set line, judge and its parameters — so a bad request fails before
 * training starts, with the field (or {@code file:line key}) that is wrong.
 */
public final class TrainingPlanner {

    private final PluginRegistry registry;

    public TrainingPlanner(PluginRegistry registry) {
        this.registry = registry;
    }

    public TrainingPlan plan(TrainingRequest request) {
        Algorithm algorithm = registry.algorithm(request.algorithm());
        Parameters parameters = Parameters.resolve(algorithm.parameters(), request.parameters(), "parameters");
        TrainerSettings settings = TrainerSettings.of(request.trainer());
        TrainingRecipe recipe = TrainingRecipe.of(algorithm);
        if (request.baseModel() == null || !Files.isRegularFile(request.baseModel().resolve(SafetensorsCheckpoint.CONFIG))) {
            throw new InvalidInputException("base_model", "no local checkpoint at " + request.baseModel());
        }
        if (request.outputDir() == null) {
            throw new InvalidInputException("output", "is required");
        }
        String id = algorithm.id();
        if (recipe.online()) {
            if (request.dataset() != null) {
                throw new InvalidInputException("dataset", id + " learns from its own samples; give prompt_set, not"
                        + " dataset");
            }
            if (request.promptSet() == null) {
                throw new InvalidInputException("prompt_set", "is required for " + id + " (prompt-only JSONL)");
            }
            if (request.judge().isEmpty()) {
                throw new InvalidInputException("judge", "is required for " + id + " ("
                        + (recipe.pairwiseJudge() ? "a pairwise judge" : "a pointwise judge giving rewards") + ")");
            }
            GuardedJudge judge = GuardedJudge.of(registry, request.judge(), request.judgeParameters(), "judge_parameters");
            if (recipe.pairwiseJudge() && !judge.judge().pairwise()) {
                throw new InvalidInputException("judge", id + " needs a pairwise judge; '" + judge.judge().id()
                        + "' does not compare pairs");
            }
            if (!recipe.pairwiseJudge() && !judge.judge().pointwise()) {
                throw new InvalidInputException("judge", id + " needs a judge that scores single responses; '"
                        + judge.judge().id() + "' only compares pairs");
            }
            List<TrainingData.Prompt> prompts = TrainingData.prompts(request.promptSet());
            return new TrainingPlan(request, algorithm, parameters, settings, recipe, List.of(), List.of(), prompts, judge);
        }
        if (request.promptSet() != null) {
            throw new InvalidInputException("prompt_set", id + " trains offline from a preference dataset; give"
                    + " dataset, not prompt_set");
        }
        if (!request.judge().isEmpty()) {
            throw new InvalidInputException("judge", id + " trains offline and uses no judge");
        }
        if (request.dataset() == null) {
            throw new InvalidInputException("dataset", "is required for " + id + " (TRL-format JSONL)");
        }
        if (recipe == TrainingRecipe.UNPAIRED_PREFERENCE) {
            return new TrainingPlan(request, algorithm, parameters, settings, recipe, List.of(),
                    TrainingData.unpaired(request.dataset()), List.of(), null);
        }
        return new TrainingPlan(request, algorithm, parameters, settings, recipe,
                TrainingData.preferences(request.dataset()), List.of(), List.of(), null);
    }
}
