package dev.plumbline.engine.stats;

/** A two-sided confidence interval at {@code level} (e.g. 0.95). */
public record Interval(double lower, double upper, double level) {

    public boolean contains(double value) {
        return value >= lower && value <= upper;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "[%.4f, %.4f]", lower, upper);
    }
}
