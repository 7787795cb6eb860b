package dev.plumbline.engine.stats;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.ranking.NaNStrategy;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

/**
 * Area under the ROC curve of a scoring judge against binary gold labels, computed as the
 * Mann–Whitney U statistic (ties count one half), with the Hanley–McNeil (1982) standard error.
 */
public final class RocAuc {

    private RocAuc() {}

    public record Result(double auc, double standardError, Interval interval, int positives, int negatives) {}

    public static double auc(double[] scores, boolean[] positive) {
        return measure(scores, positive, Agreement.DEFAULT_LEVEL).auc();
    }

    /**
     * @throws IllegalArgumentException for mismatched lengths, a non-finite score, or when one class is absent
     */
    public static Result measure(double[] scores, boolean[] positive, double level) {
        if (scores.length != positive.length) {
            throw new IllegalArgumentException(scores.length + " scores for " + positive.length + " labels");
        }
        int n1 = 0;
        for (int i = 0; i < scores.length; i++) {
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException("scores[" + i + "] is not finite: " + scores[i]);
            }
            if (positive[i]) {
                n1++;
            }
        }
        int n0 = scores.length - n1;
        if (n1 == 0 || n0 == 0) {
            throw new IllegalArgumentException("AUC needs both classes; positives=" + n1 + " negatives=" + n0);
        }
        double[] ranks = new NaturalRanking(NaNStrategy.FAILED, TiesStrategy.AVERAGE).rank(scores);
        double rankSum = 0;
        for (int i = 0; i < ranks.length; i++) {
            if (positive[i]) {
                rankSum += ranks[i];
            }
        }
        double auc = (rankSum - (double) n1 * (n1 + 1) / 2) / ((double) n1 * n0);
        double q1 = auc / (2 - auc);
        double q2 = 2 * auc * auc / (1 + auc);
        double var = (auc * (1 - auc) + (n1 - 1) * (q1 - auc * auc) + (n0 - 1) * (q2 - auc * auc)) / ((double) n1 * n0);
        double se = Math.sqrt(Math.max(0, var));
        double z = new NormalDistribution().inverseCumulativeProbability(1 - (1 - level) / 2);
        return new Result(auc, se, new Interval(Math.max(0, auc - z * se), Math.min(1, auc + z * se), level), n1, n0);
    }
}
