package dev.plumbline.engine.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * @param steps steps done in total (including those before a resume)
 * @param outputDir the trained model's directory, {@code null} when cancelled
 * @param cancelled stopped early by the cancel flag; the last checkpoint stays for a later resume
 * @param metrics the last reported metrics
 */
public record TrainingResult(int steps, Path outputDir, boolean cancelled, Map<String, Double> metrics) {

    public TrainingResult {
        metrics = Map.copyOf(metrics);
    }
}
