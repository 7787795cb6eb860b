package dev.plumbline.engine.model.train;

import java.nio.file.Path;

/** What a trainer reports while it runs. Metric names follow TRL's logs. */
public sealed interface TrainingEvent {

    /**
     * Metrics averaged over the steps since the previous report.
     *
     * @param step optimizer steps done (1-based)
     * @param epoch fractional epochs done
     * @param loss mean per-token cross-entropy on the trained tokens
     * @param learningRate the rate the last step used
     * @param gradNorm global gradient norm of the last step, before clipping
     * @param meanTokenAccuracy share of trained tokens the model ranked first
     * @param trainedTokens tokens the loss covered since the previous report
     * @param numTokens every input token processed so far (TRL's {@code num_tokens})
     */
    record Metrics(int step, int totalSteps, double epoch, double loss, double learningRate, double gradNorm,
            double meanTokenAccuracy, long trainedTokens, long numTokens, double elapsedSeconds)
            implements TrainingEvent {}

    /** A {@code checkpoint-<step>} directory was written. */
    record CheckpointSaved(int step, Path directory) implements TrainingEvent {}

    /** Training ended; {@code cancelled} when {@link SftTrainer#cancel()} stopped it early. */
    record Finished(int steps, double finalLoss, Path outputDir, boolean cancelled, double elapsedSeconds)
            implements TrainingEvent {}
}
