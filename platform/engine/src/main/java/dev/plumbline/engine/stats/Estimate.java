package dev.plumbline.engine.stats;

import java.util.Locale;

/**
 * An aggregate with its uncertainty, as every reported metric should carry (evaluation.md §0.4).
 *
 * @param value the point estimate (e.g. a mean, on the metric's own scale)
 * @param interval two-sided interval at {@code interval.level()}; how it was obtained (percentile bootstrap,
 *     Wilson, ...) is documented by the method that built it; bounds are NaN when no interval was requested
 * @param n number of observations (individual scores, not clusters or groups) that entered the estimate
 * @param standardError analytic standard error matching the estimator (documented per method); NaN when undefined
 *     (e.g. a single observation) — never reported as 0.0 for lack of data
 */
public record Estimate(double value, Interval interval, long n, double standardError) {

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.4f ± %.4f %s (n=%d)", value, standardError, interval, n);
    }
}
