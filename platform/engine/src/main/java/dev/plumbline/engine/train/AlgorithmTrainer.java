package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;
import java.util.Map;

/**
 * One training recipe (see {@link TrainingRecipe}): what a step computes. The shared
 * {@link TrainingLoop} owns everything around it — models, optimizer, schedule, clipping, logging,
 * checkpoints and resume — as TRL's trainers share transformers' {@code Trainer}.
 *
 * <p>Implementations must be deterministic for a seed: all randomness comes from
 * {@link TrainingContext#random(int, int)}, data order from the step number, so a run resumed from a
 * checkpoint takes exactly the steps an uninterrupted run takes.
 */
interface AlgorithmTrainer {

    /** Steps (optimizer steps; rollout iterations for PPO) of the whole run. */
    int totalSteps();

    /**
     * Trainable weights beyond the policy's (PPO's value model), loaded from {@code resumeDir} when
     * resuming, else initialised; names must not clash with the policy's.
     */
    default Map<String, NDArray> extraParameters(TrainingContext context, Path resumeDir) {
        return Map.of();
    }

    /** Writes what {@link #extraParameters} created into a checkpoint directory. */
    default void saveExtra(Path checkpointDir) {}

    /** Work before the first step, run again after a resume (e.g. caching reference log-probs). */
    default void prepare(TrainingContext context) {}

    /**
     * One step (0-based {@code step}): forward/backward through {@link TrainingContext#backward} and
     * one or more {@link TrainingContext#optimizerStep}s. Returns the step's metrics under the
     * reference trainer's names (the loop adds {@code learning_rate}, {@code grad_norm}, {@code epoch}).
     */
    Map<String, Double> step(int step, TrainingContext context);

    /** Fractional epochs done after {@code steps} steps (for the {@code epoch} metric). */
    double epochAt(int steps);

    /** Frees what the trainer holds (cached tensors, extra models). */
    default void close() {}
}
