package dev.plumbline.engine.train;

import java.nio.file.Path;
import java.util.Map;

/** What a trainer reports while it runs. Metric names are the reference trainer's log keys. */
public sealed interface TrainerEvent {

    /** Training begins at {@code startStep} (0, or the step of the checkpoint it resumed from). */
    record Started(int startStep, int totalSteps, Path resumedFrom) implements TrainerEvent {}

    /**
     * Metrics of the steps since the previous report (means, except {@code learning_rate} and
     * {@code grad_norm}, which are the last step's).
     *
     * @param step optimizer steps (iterations for PPO-style trainers) done, 1-based
     */
    record Step(int step, int totalSteps, Map<String, Double> metrics) implements TrainerEvent {
        public Step {
            metrics = Map.copyOf(metrics);
        }
    }

    /** A complete {@code checkpoint-<step>} directory (weights, optimizer and trainer state) was written. */
    record CheckpointSaved(int step, Path directory) implements TrainerEvent {}

    /** A human-readable note (data statistics, warnings). */
    record Message(String text) implements TrainerEvent {}
}
