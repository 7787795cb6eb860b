package dev.plumbline.plugin.ppo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.loss.testing.GradientCheck;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PpoAlgorithmTest {

    private static final LossKernel KERNEL = new LossKernel(PluginRegistry.discover());
    private static final List<String> DIFFERENTIABLE = List.of("logps", "value_preds");

    private static final double[][] LOGPS = {{-1.0, -0.7, -0.2, -0.9}, {-2.0, -1.2, -0.4, -1.1}};
    private static final double[][] OLD = {{-1.1, -0.5, -0.25, -0.8}, {-1.6, -1.25, -0.5, -1.0}};
    private static final double[][] REF = {{-1.2, -0.6, -0.3, -1.0}, {-1.5, -1.1, -0.45, -1.3}};
    private static final double[][] VALUES = {{0.5, 0.6, 0.7, 0.1}, {0.2, 0.1, -0.2, 0.3}};
    // 0.95 is clearly outside 0.7 +- 0.2 (0.9 would sit on the clip boundary, a kink).
    private static final double[][] VPRED = {{0.6, 0.3, 0.95, 0.15}, {0.25, 0.0, -0.5, 0.33}};
    private static final double[][] MASK = {{1, 1, 1, 0}, {1, 1, 0, 0}};

    /** Rollout with scores, a reference model and right padding. */
    private static List<HostTensor> scored(boolean withMask) {
        List<HostTensor> t = new ArrayList<>(List.of(HostTensor.matrix("logps", LOGPS), HostTensor.matrix("old_logps", OLD),
                HostTensor.matrix("values", VALUES), HostTensor.matrix("value_preds", VPRED),
                HostTensor.vector("scores", 1.0, -0.5), HostTensor.matrix("ref_logps", REF)));
        if (withMask) {
            t.add(HostTensor.matrix("mask", MASK));
        }
        return t;
    }

    private static Map<String, Object> params(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void gradientsMatchFiniteDifferencesAcrossOptions() {
        List<Map<String, Object>> variants = List.of(
                params(),
                params("kl_estimator", "k3", "score_position", "after_last_token"),
                params("gae_masking", "skip_masked", "advantage_whitening", "biased", "kl_estimator", "k2"),
                params("whiten_rewards", true, "advantage_whitening", "none", "kl_clamp", "openrlhf"),
                params("dual_clip", 3.0, "log_ratio_clamp", 20.0, "cliprange", 0.1, "cliprange_value", 0.05));
        for (Map<String, Object> p : variants) {
            GradientCheck.assertGradients(KERNEL, "ppo", p, scored(true), DIFFERENTIABLE);
        }
        List<HostTensor> withEntropy = scored(true);
        withEntropy.add(HostTensor.matrix("entropy", new double[][] {{1.2, 0.8, 0.5, 9}, {2.0, 1.1, 9, 9}}));
        GradientCheck.assertGradients(KERNEL, "ppo", params("entropy_coef", 0.01), withEntropy,
                List.of("logps", "value_preds", "entropy"));
    }

    @Test
    void scoreLandsOnTheLastTokenOrTrlsSlotAfterIt() {
        LossResult last = KERNEL.compute("ppo", params("kl_coef", 0.0), scored(true), true, false);
        assertValues(last.output("token_rewards").orElseThrow().values(), 0, 0, 1.0, 0, 0, -0.5, 0, 0);
        LossResult after = KERNEL.compute("ppo", params("kl_coef", 0.0, "score_position", "after_last_token"),
                scored(true), true, false);
        // Row 0 is full up to t=2, so TRL's seq_len+1 = 3 is still inside T; row 1 gets t=2.
        assertValues(after.output("token_rewards").orElseThrow().values(), 0, 0, 0, 1.0, 0, 0, -0.5, 0);
        List<HostTensor> full = scored(false);
        LossResult capped = KERNEL.compute("ppo", params("kl_coef", 0.0, "score_position", "after_last_token"), full,
                true, false);
        assertValues(capped.output("token_rewards").orElseThrow().values(), 0, 0, 0, 1.0, 0, 0, 0, -0.5);
    }

    @Test
    void klPenaltyIsFoldedIntoTheRewardOnResponseTokensOnly() {
        double klCoef = 0.05;
        LossResult r = KERNEL.compute("ppo", params("kl_estimator", "k3"), scored(true), true, false);
        double[] kl = r.output("kl").orElseThrow().values();
        double sum = 0;
        for (int i = 0; i < 2; i++) {
            for (int t = 0; t < 4; t++) {
                double d = REF[i][t] - OLD[i][t];
                double expected = MASK[i][t] * (Math.exp(d) - d - 1);
                assertThat(kl[i * 4 + t]).isCloseTo(expected, within(1e-15));
                sum += expected;
            }
        }
        assertThat(r.metrics().get("objective/kl")).isCloseTo(sum / 2, within(1e-15));
        assertThat(r.metrics().get("objective/non_score_reward")).isCloseTo(-klCoef * sum / 2, within(1e-15));
        assertThat(r.metrics().get("objective/rlhf_reward")).isCloseTo(-klCoef * sum / 2 + 0.25, within(1e-15));
    }

    @Test
    void paddingIsExcludedFromAdvantagesAndPolicyGradient() {
        LossResult r = KERNEL.compute("ppo", params(), scored(true), true, true);
        double[] adv = r.output("advantages").orElseThrow().values();
        assertThat(adv[3]).isEqualTo(0.0);
        assertThat(adv[6]).isEqualTo(0.0);
        assertThat(adv[7]).isEqualTo(0.0);
        double[] g = r.gradient("logps").orElseThrow().values();
        assertThat(g[3]).isEqualTo(0.0);
        assertThat(g[6]).isEqualTo(0.0);
        // Unbiased masked whitening: zero mean and unit (Bessel) variance over the 5 response tokens.
        double mean = 0;
        for (int k : new int[] {0, 1, 2, 4, 5}) {
            mean += adv[k] / 5;
        }
        double var = 0;
        for (int k : new int[] {0, 1, 2, 4, 5}) {
            var += Math.pow(adv[k] - mean, 2) / 4;
        }
        assertThat(mean).isCloseTo(0.0, within(1e-12));
        assertThat(var).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void gaeMaskingSkipsInteriorObservationTokens() {
        List<HostTensor> t = scored(false);
        t.add(HostTensor.matrix("mask", new double[][] {{1, 0, 1, 1}, {1, 1, 1, 1}}));
        LossResult plain = KERNEL.compute("ppo", params("advantage_whitening", "none"), t, true, false);
        LossResult skip = KERNEL.compute("ppo", params("advantage_whitening", "none", "gae_masking", "skip_masked"), t,
                true, false);
        double[] a = plain.output("advantages_raw").orElseThrow().values();
        double[] b = skip.output("advantages_raw").orElseThrow().values();
        assertThat(b[2]).isEqualTo(a[2]);
        assertThat(b[0]).isNotEqualTo(a[0]);
        // Row 1 has no masked token: both recursions agree.
        for (int k = 4; k < 8; k++) {
            assertThat(b[k]).isCloseTo(a[k], within(1e-15));
        }
    }

    @Test
    void whiteningNeedsTwoTokens() {
        List<HostTensor> one = List.of(HostTensor.of("logps", new double[] {-1}, 1, 1),
                HostTensor.of("old_logps", new double[] {-1}, 1, 1), HostTensor.of("values", new double[] {0}, 1, 1),
                HostTensor.of("value_preds", new double[] {0}, 1, 1),
                HostTensor.of("token_rewards", new double[] {1}, 1, 1));
        assertThatThrownBy(() -> KERNEL.compute("ppo", params(), one, true, false))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("tensors.logps.shape"));
        assertThat(KERNEL.compute("ppo", params("advantage_whitening", "none"), one, true, false).loss()).isFinite();
    }

    @Test
    void entropyBonusNeedsTheEntropyTensor() {
        assertThatThrownBy(() -> KERNEL.compute("ppo", params("entropy_coef", 0.01), scored(true), true, false))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("tensors.entropy"));
    }

    private static void assertValues(double[] actual, double... expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-15));
        }
    }
}
