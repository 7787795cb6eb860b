package dev.plumbline.engine.stats;

import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.interval.ConfidenceInterval;
import org.apache.commons.math3.stat.interval.WilsonScoreInterval;

/**
 * Agreement between a judge and gold labels: accuracy with a Wilson interval and Cohen's kappa with
 * its large-sample standard error (Cohen 1960). The one place judge validations compute these.
 */
public final class Agreement {

    public static final double DEFAULT_LEVEL = 0.95;

    private Agreement() {}

    public static AgreementReport measure(List<String> gold, List<String> predicted) {
        return measure(ConfusionMatrix.of(gold, predicted), DEFAULT_LEVEL);
    }

    public static AgreementReport measure(List<String> labels, List<String> gold, List<String> predicted) {
        return measure(ConfusionMatrix.of(labels, gold, predicted), DEFAULT_LEVEL);
    }

    public static AgreementReport measure(ConfusionMatrix matrix) {
        return measure(matrix, DEFAULT_LEVEL);
    }

    /**
     * @param level confidence level of both intervals, in (0, 1)
     * @throws IllegalArgumentException for an empty matrix or a level outside (0, 1)
     */
    public static AgreementReport measure(ConfusionMatrix matrix, double level) {
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        }
        long n = matrix.total();
        if (n == 0) {
            throw new IllegalArgumentException("no labelled pairs to compare");
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many pairs for the Wilson interval: " + n);
        }
        long agree = matrix.agreements();
        double po = (double) agree / n;
        double pe = 0;
        for (String label : matrix.labels()) {
            pe += ((double) matrix.goldTotal(label) / n) * ((double) matrix.predictedTotal(label) / n);
        }
        ConfidenceInterval wilson = new WilsonScoreInterval().createInterval((int) n, (int) agree, level);
        Interval accuracyCi = new Interval(wilson.getLowerBound(), wilson.getUpperBound(), level);

        double z = new NormalDistribution().inverseCumulativeProbability(1 - (1 - level) / 2);
        double kappa;
        double se;
        if (pe >= 1) {
            // Both raters used a single label: kappa is undefined (0/0), not perfect agreement.
            kappa = Double.NaN;
            se = Double.NaN;
        } else {
            kappa = (po - pe) / (1 - pe);
            se = Math.sqrt(po * (1 - po) / (n * (1 - pe) * (1 - pe)));
        }
        Interval kappaCi = Double.isNaN(kappa)
                ? new Interval(Double.NaN, Double.NaN, level)
                : new Interval(Math.max(-1, kappa - z * se), Math.min(1, kappa + z * se), level);
        return new AgreementReport(n, agree, po, accuracyCi, pe, kappa, se, kappaCi, matrix);
    }

    /** Wilson score interval for {@code successes} out of {@code n} at {@code level}. */
    public static Interval wilson(int successes, int n, double level) {
        ConfidenceInterval ci = new WilsonScoreInterval().createInterval(n, successes, level);
        return new Interval(ci.getLowerBound(), ci.getUpperBound(), level);
    }
}
