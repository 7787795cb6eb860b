package dev.plumbline.engine.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Means with standard errors and percentile-bootstrap intervals, for per-sample scores (evaluation.md §0.4, §1.2).
 *
 * <p>Which estimator is which:
 * <ul>
 *   <li>{@link #mean} — <b>micro</b> mean of independent scores; SE {@code s/√n} with Bessel's correction (lm-eval
 *       {@code mean_stderr}); the bootstrap resamples individual scores.</li>
 *   <li>{@link #clusteredMean} — <b>micro</b> mean over all scores when several scores share a unit (k samples per
 *       prompt, both orders of a pairwise judgement): the bootstrap resamples whole clusters and the SE is the
 *       cluster-robust one, {@code sqrt(C/(C−1)·Σ_c (S_c − n_c·m)²)/N} (S_c, n_c = sum and size of cluster c), which
 *       reduces to {@code s/√n} when every cluster holds one score.</li>
 *   <li>{@link #macroMean} — <b>macro</b> mean (mean of group means, each group weighted equally, lm-eval
 *       {@code weight_by_size: false}) with the groups treated as <b>fixed strata</b> (subtasks, categories): the
 *       bootstrap resamples scores within each group and the SE is {@code sqrt(Σ_g s_g²/n_g)/G}, the formula
 *       lm-eval adopted for unweighted groups in PR #3882.</li>
 *   <li>{@link #macroMeanOverGroups} — the same macro point estimate with the groups treated as a <b>random
 *       sample</b> of groups: the bootstrap resamples whole groups (their means) and the SE is {@code sd(group
 *       means)/√G}. Wider; use it only when the groups themselves are drawn from a population.</li>
 *   <li>{@link #proportion} — a count of successes with a Wilson score interval (no bootstrap).</li>
 * </ul>
 *
 * <p>Intervals are percentile intervals (type-7 quantiles of the replicates at {@code (1−level)/2} and
 * {@code 1−(1−level)/2}). Replicates are drawn from one {@link SplittableRandom} seeded with {@code seed}, so a
 * (data, rounds, seed) triple always gives the same interval. {@code rounds = 0} skips the bootstrap and yields an
 * interval with NaN bounds. Scores must be finite: filter failed/unparseable samples out first and report their
 * count (evaluation.md §0.1).
 */
public final class Bootstrap {

    public static final int DEFAULT_ROUNDS = 1000;
    public static final double DEFAULT_LEVEL = 0.95;

    private Bootstrap() {}

    /** Micro mean of independent scores; SE {@code s/√n}; bootstrap over scores. */
    public static Estimate mean(double[] values, int rounds, long seed, double level) {
        checkValues(values);
        Percentiles.checkRounds(rounds);
        Percentiles.checkLevel(level);
        int n = values.length;
        double mean = sum(values) / n;
        double se = Percentiles.sampleStd(values) / Math.sqrt(n);
        double[] replicates = new double[rounds];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int r = 0; r < rounds; r++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += values[rng.nextInt(n)];
            }
            replicates[r] = s / n;
        }
        return new Estimate(mean, Percentiles.interval(replicates, level), n, se);
    }

    /**
     * Micro mean of all scores, with the uncertainty of a cluster sample: {@code clusters[i]} names the unit score
     * {@code i} belongs to (typically the prompt id when k samples are drawn per prompt). The bootstrap draws as many
     * clusters as there are, with replacement, and takes the mean of all scores in the drawn clusters.
     */
    public static Estimate clusteredMean(double[] values, String[] clusters, int rounds, long seed, double level) {
        checkValues(values);
        Percentiles.checkRounds(rounds);
        Percentiles.checkLevel(level);
        List<double[]> groups = group(values, clusters);
        int c = groups.size();
        double[] sums = new double[c];
        int[] sizes = new int[c];
        for (int g = 0; g < c; g++) {
            sums[g] = sum(groups.get(g));
            sizes[g] = groups.get(g).length;
        }
        int n = values.length;
        double mean = sum(values) / n;
        double se = Double.NaN;
        if (c > 1) {
            double ss = 0;
            for (int g = 0; g < c; g++) {
                double d = sums[g] - sizes[g] * mean;
                ss += d * d;
            }
            se = Math.sqrt(ss * c / (c - 1)) / n;
        }
        double[] replicates = new double[rounds];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int r = 0; r < rounds; r++) {
            double s = 0;
            long m = 0;
            for (int i = 0; i < c; i++) {
                int g = rng.nextInt(c);
                s += sums[g];
                m += sizes[g];
            }
            replicates[r] = s / m;
        }
        return new Estimate(mean, Percentiles.interval(replicates, level), n, se);
    }

    /**
     * Macro mean (mean of the group means) with groups as fixed strata: SE {@code sqrt(Σ_g s_g²/n_g)/G} (NaN if a
     * group has a single score), bootstrap resamples within each group. See the class comment for the alternative.
     */
    public static Estimate macroMean(double[] values, String[] groups, int rounds, long seed, double level) {
        checkValues(values);
        Percentiles.checkRounds(rounds);
        Percentiles.checkLevel(level);
        List<double[]> strata = group(values, groups);
        int g = strata.size();
        double value = 0;
        double var = 0;
        for (double[] s : strata) {
            value += sum(s) / s.length;
            double sd = Percentiles.sampleStd(s);
            var += sd * sd / s.length;
        }
        value /= g;
        double se = Math.sqrt(var) / g;
        double[] replicates = new double[rounds];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int r = 0; r < rounds; r++) {
            double total = 0;
            for (double[] s : strata) {
                double acc = 0;
                for (int i = 0; i < s.length; i++) {
                    acc += s[rng.nextInt(s.length)];
                }
                total += acc / s.length;
            }
            replicates[r] = total / g;
        }
        return new Estimate(value, Percentiles.interval(replicates, level), values.length, se);
    }

    /**
     * Macro mean with groups treated as a random sample of groups: SE {@code sd(group means)/√G}, bootstrap
     * resamples whole groups. {@code n} in the result is still the number of scores.
     */
    public static Estimate macroMeanOverGroups(double[] values, String[] groups, int rounds, long seed, double level) {
        checkValues(values);
        List<double[]> strata = group(values, groups);
        double[] means = new double[strata.size()];
        for (int i = 0; i < means.length; i++) {
            means[i] = sum(strata.get(i)) / strata.get(i).length;
        }
        Estimate overMeans = mean(means, rounds, seed, level);
        return new Estimate(overMeans.value(), overMeans.interval(), values.length, overMeans.standardError());
    }

    /**
     * Share of successes with a Wilson score interval ({@link Agreement#wilson}) and the binomial SE
     * {@code sqrt(p(1−p)/n)}; deterministic, no bootstrap.
     */
    public static Estimate proportion(long successes, long n, double level) {
        Percentiles.checkLevel(level);
        if (n <= 0 || successes < 0 || successes > n) {
            throw new IllegalArgumentException("need 0 <= successes <= n and n > 0, got " + successes + "/" + n);
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many trials for the Wilson interval: " + n);
        }
        double p = (double) successes / n;
        return new Estimate(p, Agreement.wilson((int) successes, (int) n, level), n, Math.sqrt(p * (1 - p) / n));
    }

    /** Proportion of {@code true} values; see {@link #proportion(long, long, double)}. */
    public static Estimate proportion(boolean[] outcomes, double level) {
        long k = 0;
        for (boolean b : outcomes) {
            if (b) {
                k++;
            }
        }
        return proportion(k, outcomes.length, level);
    }

    private static void checkValues(double[] values) {
        Objects.requireNonNull(values, "values");
        if (values.length == 0) {
            throw new IllegalArgumentException("no values to aggregate");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("values[" + i + "] is not finite (" + values[i]
                        + "): exclude failed samples and report them as unscored");
            }
        }
    }

    /** Values grouped by label, groups in order of first appearance. */
    private static List<double[]> group(double[] values, String[] labels) {
        Objects.requireNonNull(labels, "labels");
        if (labels.length != values.length) {
            throw new IllegalArgumentException(values.length + " values for " + labels.length + " labels");
        }
        Map<String, List<Double>> byLabel = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            String label = labels[i];
            if (label == null) {
                throw new IllegalArgumentException("null label at index " + i);
            }
            byLabel.computeIfAbsent(label, k -> new ArrayList<>()).add(values[i]);
        }
        List<double[]> out = new ArrayList<>(byLabel.size());
        for (List<Double> g : byLabel.values()) {
            out.add(g.stream().mapToDouble(Double::doubleValue).toArray());
        }
        return out;
    }

    private static double sum(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s;
    }
}
