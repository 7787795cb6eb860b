package dev.plumbline.engine.stats;

import java.util.Arrays;

/** Percentile helpers shared by the bootstrap code (package-private). */
final class Percentiles {

    private Percentiles() {}

    /**
     * Linear-interpolation quantile of already sorted values (Hyndman–Fan type 7: numpy's and pandas' default,
     * which Arena's {@code df.quantile(0.025)} and lm-eval use).
     */
    static double type7(double[] sorted, double p) {
        int n = sorted.length;
        if (n == 0) {
            return Double.NaN;
        }
        double h = (n - 1) * p;
        int lo = (int) Math.floor(h);
        if (lo >= n - 1) {
            return sorted[n - 1];
        }
        return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
    }

    /** Percentile interval of bootstrap replicates, ignoring NaN replicates; NaN bounds if none are left. */
    static Interval interval(double[] replicates, double level) {
        double[] finite = Arrays.stream(replicates).filter(v -> !Double.isNaN(v)).sorted().toArray();
        double alpha = (1 - level) / 2;
        return new Interval(type7(finite, alpha), type7(finite, 1 - alpha), level);
    }

    static void checkLevel(double level) {
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        }
    }

    static void checkRounds(int rounds) {
        if (rounds < 0) {
            throw new IllegalArgumentException("rounds must be >= 0, got " + rounds);
        }
    }

    /** Sample standard deviation with Bessel's correction; NaN for fewer than two values. */
    static double sampleStd(double[] values) {
        int n = values.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= n;
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt(ss / (n - 1));
    }
}
