package dev.plumbline.engine.model.train;

import dev.plumbline.spi.InvalidInputException;

/**
 * Learning rate per optimizer step, as transformers' schedulers compute it: linear warmup from 0
 * over {@code warmupSteps}, then {@code cosine} (half a cosine to 0), {@code linear} (to 0) or
 * {@code constant}.
 */
public record LearningRateSchedule(String type, double peak, int warmupSteps, int totalSteps) {

    public LearningRateSchedule {
        if (!type.equals("cosine") && !type.equals("linear") && !type.equals("constant")) {
            throw new InvalidInputException("lr_scheduler_type", "must be cosine, linear or constant, got " + type);
        }
    }

    /** The rate for 0-based optimizer step {@code step}. */
    public double at(int step) {
        if (step < warmupSteps) {
            return peak * step / Math.max(1, warmupSteps);
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return switch (type) {
            case "cosine" -> peak * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            case "linear" -> peak * Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
            default -> peak;
        };
    }
}
