package dev.plumbline.spi;

import java.util.List;

/**
 * Sampling settings. {@code temperature == 0} is greedy; {@code topK == 0} and {@code topP >= 1}
 * disable those filters; {@code seed == null} draws a fresh seed.
 */
public record GenerationSettings(
        double temperature, int maxNewTokens, int topK, double topP, List<String> stop, Long seed) {

    public GenerationSettings {
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    public static GenerationSettings greedy(int maxNewTokens) {
        return new GenerationSettings(0.0, maxNewTokens, 0, 1.0, List.of(), null);
    }
}
