package dev.plumbline.engine.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.plumbline.spi.loss.ClippedPolicyLoss;
import dev.plumbline.spi.loss.GeneralizedAdvantageEstimation;
import dev.plumbline.spi.loss.GroupRelativeAdvantages;
import dev.plumbline.spi.loss.KlClamp;
import dev.plumbline.spi.loss.KlEstimator;
import dev.plumbline.spi.loss.LossAggregation;
import dev.plumbline.spi.loss.MaskedStatistics;
import dev.plumbline.spi.loss.MaskedStatistics.WhiteningVariance;
import dev.plumbline.spi.loss.StableMath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SPI's shared loss building blocks ({@code dev.plumbline.spi.loss}) on the PyTorch engine, in float64. */
class SharedLossBlocksTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = Engine.getEngine(LossKernel.ENGINE).newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private NDArray vec(double... v) {
        return manager.create(v, new Shape(v.length));
    }

    private NDArray mat(double[][] rows) {
        return manager.create(rows);
    }

    private static double[] d(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static void assertValues(NDArray actual, double[] expected, double tolerance) {
        double[] a = d(actual);
        assertThat(a).hasSameSizeAs(expected);
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).as("element %d", i).isCloseTo(expected[i], within(tolerance * Math.max(1, Math.abs(expected[i]))));
        }
    }

    @Test
    void logSigmoidIsStableAndMatchesTorchForm() {
        double[] x = {-1000, -50, -1, -1e-12, 0, 1e-12, 1, 37, 50, 800};
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = Math.min(x[i], 0) - Math.log1p(Math.exp(-Math.abs(x[i])));
        }
        assertValues(StableMath.logSigmoid(vec(x)), expected, 1e-15);
        assertValues(StableMath.sigmoid(vec(-800, 0, 800)), new double[] {0, 0.5, 1}, 1e-15);
        assertValues(StableMath.softplus(vec(-800, 0, 800)), new double[] {0, Math.log(2), 800}, 1e-15);
        assertThat(d(StableMath.logSigmoid(vec(-745.2)))[0]).isFinite();
    }

    @Test
    void logSigmoidGradientIsHalfAtZeroAndFiniteEverywhere() {
        NDArray x = vec(0, -1000, 1000, 2);
        x.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getEngine(LossKernel.ENGINE).newGradientCollector()) {
            gc.backward(StableMath.logSigmoid(x).sum());
        }
        double[] g = d(x.getGradient());
        assertThat(g[0]).isEqualTo(0.5);
        assertThat(g[1]).isCloseTo(1.0, within(1e-15));
        assertThat(g[2]).isCloseTo(0.0, within(1e-15));
        assertThat(g[3]).isCloseTo(1 / (1 + Math.exp(2)), within(1e-15));
    }

    @Test
    void log1pExpm1AndLog1mexpKeepFullPrecision() {
        double[] small = {1e-300, 1e-20, 1e-10, -1e-10, 0.5, -0.5, 3};
        double[] log1p = new double[small.length];
        double[] expm1 = new double[small.length];
        for (int i = 0; i < small.length; i++) {
            log1p[i] = Math.log1p(small[i]);
            expm1[i] = Math.expm1(small[i]);
        }
        assertValues(StableMath.log1p(vec(small)), log1p, 1e-15);
        assertValues(StableMath.expm1(vec(small)), expm1, 1e-15);
        assertValues(StableMath.expm1(vec(-60)), new double[] {-1}, 1e-15);

        double[] x = {-1e-12, -1e-6, -0.3, -StableMath.LN2, -0.7, -5, -40, -800};
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = x[i] < -StableMath.LN2 ? Math.log1p(-Math.exp(x[i])) : Math.log(-Math.expm1(x[i]));
        }
        assertValues(StableMath.log1mexp(vec(x)), expected, 1e-14);
        // The naive log(1 - exp(x)) would give -inf / lose all digits at -1e-12.
        assertThat(d(StableMath.log1mexp(vec(-1e-12)))[0]).isCloseTo(Math.log(1e-12), within(1e-9));
    }

    @Test
    void logSumExpAndLogSoftmaxAlongAnAxis() {
        NDArray logits = mat(new double[][] {{1000, 1001, 999}, {-1, 0, 1}});
        double lse0 = 1001 + Math.log(Math.exp(-1) + 1 + Math.exp(-2));
        double lse1 = 1 + Math.log(Math.exp(-2) + Math.exp(-1) + 1);
        assertValues(StableMath.logSumExp(logits, 1, false), new double[] {lse0, lse1}, 1e-15);
        assertValues(StableMath.logSoftmax(logits, 1).exp().sum(new int[] {1}), new double[] {1, 1}, 1e-15);
        double l0 = Math.log(Math.exp(-1) + 1 + Math.exp(-2));
        double l1 = Math.log(Math.exp(-2) + Math.exp(-1) + 1);
        assertValues(StableMath.logSoftmax(logits, 1), new double[] {-1 - l0, -l0, -2 - l0, -2 - l1, -1 - l1, -l1},
                1e-15);
    }

    @Test
    void klEstimatorsAndClamps() {
        NDArray logp = vec(-1.0, -2.0, -0.5, -30.0);
        NDArray ref = vec(-1.2, -1.5, -0.5, -1.0);
        assertValues(KlEstimator.K1.estimate(logp, ref), new double[] {0.2, -0.5, 0, -29}, 1e-15);
        assertValues(KlEstimator.K2.estimate(logp, ref), new double[] {0.02, 0.125, 0, 420.5}, 1e-14);
        double[] k3 = new double[4];
        double[] lp = {-1.0, -2.0, -0.5, -30.0};
        double[] rf = {-1.2, -1.5, -0.5, -1.0};
        for (int i = 0; i < 4; i++) {
            double r = rf[i] - lp[i];
            k3[i] = Math.exp(r) - r - 1;
        }
        assertValues(KlEstimator.K3.estimate(logp, ref), k3, 1e-14);
        assertValues(KlEstimator.ABS.estimate(logp, ref), new double[] {0.2, 0.5, 0, 29}, 1e-15);
        // verl clamps k3 only (log-ratio 29 -> 20, estimate -> 10); OpenRLHF clamps every estimator to +-10.
        assertThat(d(KlEstimator.K3.estimate(logp, ref, KlClamp.VERL))[3]).isEqualTo(10.0);
        assertThat(d(KlEstimator.K1.estimate(logp, ref, KlClamp.VERL))[3]).isEqualTo(-29.0);
        assertThat(d(KlEstimator.K1.estimate(logp, ref, KlClamp.OPENRLHF))[3]).isEqualTo(-10.0);
        assertThat(d(KlEstimator.K2.estimate(logp, ref, KlClamp.OPENRLHF))[3]).isEqualTo(10.0);
    }

    @Test
    void maskedStatisticsAndWhitening() {
        NDArray x = mat(new double[][] {{1, 2, 100}, {3, 4, -100}});
        NDArray m = mat(new double[][] {{1, 1, 0}, {1, 1, 0}});
        assertThat(d(MaskedStatistics.mean(x, m))[0]).isEqualTo(2.5);
        assertValues(MaskedStatistics.mean(x, m, 1, false), new double[] {1.5, 3.5}, 1e-15);
        assertThat(d(MaskedStatistics.variance(x, m, true))[0]).isCloseTo(5.0 / 3.0, within(1e-15));
        assertThat(d(MaskedStatistics.variance(x, m, false))[0]).isCloseTo(1.25, within(1e-15));
        NDArray w = MaskedStatistics.whiten(x, m, WhiteningVariance.UNBIASED_PLUS_EPSILON, true, 1e-8);
        double s = Math.sqrt(5.0 / 3.0 + 1e-8);
        assertValues(w.mul(m), new double[] {-1.5 / s, -0.5 / s, 0, 0.5 / s, 1.5 / s, 0}, 1e-14);
        NDArray kept = MaskedStatistics.whiten(x, m, WhiteningVariance.UNBIASED_PLUS_EPSILON, false, 1e-8);
        assertThat(d(kept)[0]).isCloseTo(-1.5 / s + 2.5, within(1e-14));
        NDArray biased = MaskedStatistics.whiten(x, m, WhiteningVariance.BIASED_CLAMPED, true, 1e-8);
        assertThat(d(biased)[0]).isCloseTo(-1.5 / Math.sqrt(1.25), within(1e-14));
        // All-masked: denominators clamp to 1 instead of dividing by zero.
        assertThat(d(MaskedStatistics.mean(x, x.zerosLike()))[0]).isEqualTo(0.0);
    }

    @Test
    void lossAggregationModes() {
        NDArray loss = mat(new double[][] {{1, 2, 9}, {3, 9, 9}});
        NDArray mask = mat(new double[][] {{1, 1, 0}, {1, 0, 0}});
        assertThat(d(LossAggregation.SEQ_MEAN_TOKEN_MEAN.aggregate(loss, mask, 0))[0]).isEqualTo((1.5 + 3) / 2);
        assertThat(d(LossAggregation.SEQ_MEAN_TOKEN_SUM.aggregate(loss, mask, 0))[0]).isEqualTo((3 + 3) / 2.0);
        assertThat(d(LossAggregation.TOKEN_MEAN.aggregate(loss, mask, 0))[0]).isEqualTo(2.0);
        assertThat(d(LossAggregation.TOKEN_SUM_NORM.aggregate(loss, mask, 12))[0]).isEqualTo(0.5);
    }

    @Test
    void groupRelativeAndLeaveOneOutAdvantages() {
        NDArray r = vec(1, 0, 0.5, 0, 2, 2);
        GroupRelativeAdvantages.Normalized none = GroupRelativeAdvantages.normalized(r, 3,
                GroupRelativeAdvantages.ScaleRewards.NONE, 1e-4);
        assertValues(none.advantages(), new double[] {0.5, -0.5, 0, -4.0 / 3, 2.0 / 3, 2.0 / 3}, 1e-15);
        assertThat(none.fracRewardZeroStd()).isEqualTo(0.0);
        GroupRelativeAdvantages.Normalized group = GroupRelativeAdvantages.normalized(vec(1, 1, 0, 2), 2,
                GroupRelativeAdvantages.ScaleRewards.GROUP, 1e-4);
        assertValues(group.advantages(), new double[] {0, 0, -1 / (Math.sqrt(2) + 1e-4), 1 / (Math.sqrt(2) + 1e-4)},
                1e-15);
        assertThat(group.fracRewardZeroStd()).isEqualTo(0.5);
        GroupRelativeAdvantages.LeaveOneOut loo = GroupRelativeAdvantages.leaveOneOut(vec(1, 0, 0.5, 0), 4);
        assertValues(loo.baselines(), new double[] {0.5 / 3, 1.5 / 3, 1.0 / 3, 1.5 / 3}, 1e-15);
        assertValues(loo.advantages(), new double[] {1 - 0.5 / 3, -0.5, 0.5 - 1.0 / 3, -0.5}, 1e-15);
    }

    @Test
    void gaeRecursionPlainAndSkippingMaskedTokens() {
        NDArray rewards = mat(new double[][] {{0, 0.1, 1}});
        NDArray values = mat(new double[][] {{0.5, 0.6, 0.7}});
        NDArray ones = mat(new double[][] {{1, 1, 1}});
        GeneralizedAdvantageEstimation.Result plain = GeneralizedAdvantageEstimation.compute(rewards, values, ones, 0.9,
                0.8, GeneralizedAdvantageEstimation.Masking.NONE);
        double d2 = 1 - 0.7;
        double d1 = 0.1 + 0.9 * 0.7 - 0.6;
        double d0 = 0.9 * 0.6 - 0.5;
        double a2 = d2;
        double a1 = d1 + 0.72 * a2;
        double a0 = d0 + 0.72 * a1;
        assertValues(plain.advantages(), new double[] {a0, a1, a2}, 1e-15);
        assertValues(plain.returns(), new double[] {a0 + 0.5, a1 + 0.6, a2 + 0.7}, 1e-15);
        // verl property: with skip_masked, results on response tokens ignore whatever sits on masked tokens.
        NDArray mask = mat(new double[][] {{0, 1, 1, 0, 1, 0}});
        NDArray r1 = mat(new double[][] {{0, 0.1, 0.2, 0, 1, 0}});
        NDArray v1 = mat(new double[][] {{9, 4, 5, 7, 6, 0}});
        NDArray v2 = mat(new double[][] {{-3, 4, 5, 42, 6, 8}});
        double[] x1 = d(GeneralizedAdvantageEstimation.compute(r1, v1, mask, 0.95, 0.9,
                GeneralizedAdvantageEstimation.Masking.SKIP_MASKED).advantages().mul(mask));
        double[] x2 = d(GeneralizedAdvantageEstimation.compute(r1, v2, mask, 0.95, 0.9,
                GeneralizedAdvantageEstimation.Masking.SKIP_MASKED).advantages().mul(mask));
        assertThat(x1).containsExactly(x2);
        double[] y2 = d(GeneralizedAdvantageEstimation.compute(r1, v2, mask, 0.95, 0.9,
                GeneralizedAdvantageEstimation.Masking.NONE).advantages().mul(mask));
        assertThat(y2).isNotEqualTo(x2);
    }

    @Test
    void clippedPolicyLossVariants() {
        NDArray logRatio = vec(Math.log(1.5), Math.log(0.5), Math.log(1.1), Math.log(5.0));
        NDArray adv = vec(1, -1, 2, -1);
        ClippedPolicyLoss.Result plain = ClippedPolicyLoss.compute(logRatio, adv, ClippedPolicyLoss.Clip.symmetric(0.2));
        assertValues(plain.loss(), new double[] {-1.2, 0.8, -2.2, 5.0}, 1e-15);
        assertValues(plain.highClipped(), new double[] {1, 0, 0, 0}, 0);
        assertValues(plain.lowClipped(), new double[] {0, 1, 0, 0}, 0);
        assertValues(plain.clipActive(), new double[] {1, 1, 0, 0}, 0);
        ClippedPolicyLoss.Result dual = ClippedPolicyLoss.compute(logRatio, adv,
                new ClippedPolicyLoss.Clip(0.2, 0.2, 0, 3.0, 0));
        assertThat(d(dual.loss())[3]).isEqualTo(3.0);
        ClippedPolicyLoss.Result capped = ClippedPolicyLoss.compute(vec(Math.log(4.0)), vec(-1),
                new ClippedPolicyLoss.Clip(0.2, 0.28, 2.0, 0, 0));
        assertThat(d(capped.loss())[0]).isCloseTo(2.0, within(1e-15));
        ClippedPolicyLoss.Result clamped = ClippedPolicyLoss.compute(vec(50), vec(-1),
                new ClippedPolicyLoss.Clip(0.2, 0.2, 0, 0, 20));
        assertThat(d(clamped.ratio())[0]).isCloseTo(Math.exp(20), within(1e-6));
    }
}
