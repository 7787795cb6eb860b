package dev.plumbline.plugin.grpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.loss.testing.GradientCheck;
import dev.plumbline.engine.plugin.PluginRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrpoAlgorithmTest {

    private static final LossKernel KERNEL = new LossKernel(PluginRegistry.discover());
    private static final double[][] MASK = {{1, 1, 0, 0}, {1, 1, 1, 1}, {1, 1, 1, 0}, {1, 0, 0, 0}};
    private static final double[][] LOGPS = {{-1.0, -0.5, 0, 0}, {-2.0, -1.0, -0.3, -0.7}, {-0.2, -1.5, -0.9, 0},
        {-0.4, 0, 0, 0}};
    private static final double[][] OLD = {{-1.1, -0.8, 0, 0}, {-1.7, -1.05, -0.2, -0.9}, {-0.25, -1.2, -1.0, 0},
        {-0.8, 0, 0, 0}};
    private static final double[][] REF = {{-1.2, -0.5, 0, 0}, {-1.9, -1.1, -0.3, -0.6}, {-0.3, -1.4, -0.9, 0},
        {-0.5, 0, 0, 0}};
    private static final double[] ADV = {1.3, -0.8, 0.25, -0.75};

    private static List<HostTensor> batch() {
        return new ArrayList<>(List.of(HostTensor.matrix("logps", LOGPS), HostTensor.matrix("old_logps", OLD),
                HostTensor.matrix("ref_logps", REF), HostTensor.matrix("mask", MASK), HostTensor.vector("advantages", ADV)));
    }

    private static Map<String, Object> params(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void gradientsMatchFiniteDifferencesForEveryLossTypeAndLevel() {
        for (String lossType : List.of("grpo", "bnpo", "dr_grpo", "dapo", "luspo")) {
            for (String level : List.of("token", "sequence")) {
                GradientCheck.assertGradients(KERNEL, "grpo", params("loss_type", lossType,
                        "importance_sampling_level", level, "beta", 0.04, "max_completion_length", 4L), batch(),
                        List.of("logps"));
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesWithTheOptionalKnobs() {
        GradientCheck.assertGradients(KERNEL, "grpo", params("epsilon_high", 0.28, "delta", 1.6, "dual_clip", 3.0,
                "use_bias_correction_kl", true, "beta", 0.1, "kl_clamp", "verl", "log_ratio_clamp", 20.0), batch(),
                List.of("logps"));
        List<HostTensor> withEntropy = batch();
        withEntropy.add(HostTensor.matrix("entropy", new double[][] {{1, 2, 0, 0}, {0.5, 0.6, 0.7, 0.8}, {1, 1, 1, 0},
            {3, 0, 0, 0}}));
        GradientCheck.assertGradients(KERNEL, "grpo", params("entropy_coef", 0.05, "loss_type", "grpo"), withEntropy,
                List.of("logps", "entropy"));
        // Rewards instead of advantages: the advantages are constants of the rollout.
        List<HostTensor> withRewards = batch();
        withRewards.set(4, HostTensor.vector("rewards", 1, 0, 0.5, 0));
        GradientCheck.assertGradients(KERNEL, "grpo", params("num_generations", 2L, "scale_rewards", "batch"),
                withRewards, List.of("logps"));
    }

    @Test
    void onPolicyWithoutOldLogProbsIsReinforceWithTheGroupAdvantage() {
        List<HostTensor> onPolicy = List.of(HostTensor.matrix("logps", LOGPS), HostTensor.matrix("mask", MASK),
                HostTensor.vector("advantages", ADV));
        LossResult r = KERNEL.compute("grpo", params("loss_type", "grpo"), onPolicy, true, true);
        double expected = 0;
        for (double a : ADV) {
            expected -= a / 4;
        }
        assertThat(r.loss()).isCloseTo(expected, within(1e-15));
        double[] g = r.gradient("logps").orElseThrow().values();
        double[] lengths = {2, 4, 3, 1};
        for (int i = 0; i < 4; i++) {
            for (int t = 0; t < 4; t++) {
                assertThat(g[i * 4 + t]).isCloseTo(-ADV[i] * MASK[i][t] / (lengths[i] * 4), within(1e-15));
            }
        }
        assertThat(r.metrics()).doesNotContainKey("kl");
    }

    @Test
    void gradientAccumulationAndTheDapoNormaliser() {
        double grpo = KERNEL.compute("grpo", params("loss_type", "bnpo"), batch(), true, false).loss();
        double grpoAccumulated = KERNEL.compute("grpo", params("loss_type", "bnpo", "gradient_accumulation_steps", 4L),
                batch(), true, false).loss();
        assertThat(grpoAccumulated).isCloseTo(grpo / 4, within(1e-15));
        double dapo = KERNEL.compute("grpo", params("gradient_accumulation_steps", 4L), batch(), true, false).loss();
        assertThat(dapo).isCloseTo(grpo, within(1e-15));
        double global = KERNEL.compute("grpo", params("num_items_in_batch", 40L, "num_processes", 2L), batch(), true,
                false).loss();
        assertThat(global).isCloseTo(grpo * 10 / 20, within(1e-15));
    }

    @Test
    void asymmetricClippingOnlyMovesTheUpperBound() {
        LossResult symmetric = KERNEL.compute("grpo", params(), batch(), true, false);
        LossResult higher = KERNEL.compute("grpo", params("epsilon_high", 0.5), batch(), true, false);
        assertThat(symmetric.metrics().get("clip_ratio/high_mean")).isGreaterThan(0.0);
        assertThat(higher.metrics().get("clip_ratio/high_mean")).isEqualTo(0.0);
        assertThat(higher.metrics().get("clip_ratio/low_mean")).isEqualTo(symmetric.metrics().get("clip_ratio/low_mean"));
        assertThat(KERNEL.compute("grpo", params("epsilon_high", 0.2), batch(), true, false).loss())
                .isEqualTo(symmetric.loss());
    }

    @Test
    void sequenceLevelClipRatiosCountSequences() {
        LossResult r = KERNEL.compute("grpo", params("importance_sampling_level", "sequence"), batch(), true, false);
        double[] ratio = r.output("ratio").orElseThrow().values();
        assertThat(ratio).hasSize(4);
        int high = 0;
        int low = 0;
        for (int i = 0; i < 4; i++) {
            high += ratio[i] > 1.2 && ADV[i] > 0 ? 1 : 0;
            low += ratio[i] < 0.8 && ADV[i] < 0 ? 1 : 0;
        }
        assertThat(r.metrics().get("clip_ratio/high_mean")).isEqualTo(high / 4.0);
        assertThat(r.metrics().get("clip_ratio/low_mean")).isEqualTo(low / 4.0);
        assertThat(high + low).isGreaterThan(0);
    }
}
