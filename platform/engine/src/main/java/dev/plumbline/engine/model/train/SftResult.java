package dev.plumbline.engine.model.train;

import java.nio.file.Path;
import java.util.List;

/**
 * @param stepLosses loss of every optimizer step, in order
 * @param outputDir the final checkpoint ({@code null} when cancelled or no output directory was given)
 */
public record SftResult(int steps, List<Double> stepLosses, Path outputDir, boolean cancelled) {

    public SftResult {
        stepLosses = List.copyOf(stepLosses);
    }

    public double finalLoss() {
        return stepLosses.isEmpty() ? Double.NaN : stepLosses.get(stepLosses.size() - 1);
    }
}
