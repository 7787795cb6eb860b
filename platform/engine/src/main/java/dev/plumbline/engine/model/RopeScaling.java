package dev.plumbline.engine.model;

/**
 * The {@code rope_scaling} entry of a Llama config. Supported types: {@code default} (none),
 * {@code linear} (positions divided by {@code factor}) and {@code llama3} (Llama 3.1's
 * frequency-band rescaling). Others ({@code dynamic}, {@code yarn}, {@code longrope}) are
 * rejected when the config is read.
 */
public record RopeScaling(
        String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {

    public static final RopeScaling NONE = new RopeScaling("default", 1.0, 1.0, 4.0, 0);

    public static RopeScaling linear(double factor) {
        return new RopeScaling("linear", factor, 1.0, 4.0, 0);
    }

    public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositionEmbeddings) {
        return new RopeScaling("llama3", factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings);
    }

    public boolean isDefault() {
        return "default".equals(type);
    }
}
