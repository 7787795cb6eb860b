package dev.plumbline.plugin.rloo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.loss.testing.GradientCheck;
import dev.plumbline.engine.plugin.PluginRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RlooAlgorithmTest {

    private static final LossKernel KERNEL = new LossKernel(PluginRegistry.discover());
    private static final double[][] LOGPS = {{-1.0, -0.5, 0}, {-2.0, -1.0, -0.3}, {-0.2, -1.5, 0}, {-0.4, -0.1, -0.2}};
    private static final double[][] OLD = {{-1.1, -0.45, 0}, {-1.9, -1.0, -0.2}, {-0.25, -1.4, 0}, {-0.5, -0.1, -0.25}};
    private static final double[][] REF = {{-1.2, -0.5, 0}, {-1.9, -1.1, -0.3}, {-0.3, -1.4, 0}, {-0.5, -0.2, -0.2}};
    private static final double[][] MASK = {{1, 1, 0}, {1, 1, 1}, {1, 1, 0}, {1, 1, 1}};
    private static final double[] REWARDS = {1.0, 0.0, 0.5, 0.25};

    private static List<HostTensor> batch() {
        return List.of(HostTensor.matrix("logps", LOGPS), HostTensor.matrix("old_logps", OLD),
                HostTensor.matrix("ref_logps", REF), HostTensor.matrix("mask", MASK), HostTensor.vector("rewards", REWARDS));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        GradientCheck.assertGradients(KERNEL, "rloo", Map.of("num_generations", 2L), batch(), List.of("logps"));
        GradientCheck.assertGradients(KERNEL, "rloo", Map.of("num_generations", 4L, "normalize_advantages", true,
                "epsilon_high", 0.28, "gradient_accumulation_steps", 2L), batch(), List.of("logps"));
    }

    @Test
    void klIsSummedPerSequenceIntoTheRewardBeforeTheLeaveOneOutBaseline() {
        double beta = 0.05;
        LossResult r = KERNEL.compute("rloo", Map.of("num_generations", 2L), batch(), true, false);
        double[] penalized = new double[4];
        double klSum = 0;
        double tokens = 0;
        for (int i = 0; i < 4; i++) {
            double kl = 0;
            for (int t = 0; t < 3; t++) {
                kl += (OLD[i][t] - REF[i][t]) * MASK[i][t];
                tokens += MASK[i][t];
            }
            klSum += kl;
            penalized[i] = REWARDS[i] - beta * kl;
        }
        double[] expectedAdvantages = {penalized[0] - penalized[1], penalized[1] - penalized[0],
            penalized[2] - penalized[3], penalized[3] - penalized[2]};
        double[] advantages = r.output("advantages").orElseThrow().values();
        for (int i = 0; i < 4; i++) {
            assertThat(advantages[i]).isCloseTo(expectedAdvantages[i], within(1e-15));
        }
        assertThat(r.metrics().get("kl")).isCloseTo(klSum / tokens, within(1e-15));
        assertThat(r.metrics().get("reward")).isCloseTo(0.4375, within(1e-15));
        assertThat(r.output("ratio").orElseThrow().values()).hasSize(4);
    }

    @Test
    void withoutKlPenaltyNoReferenceModelIsNeeded() {
        LossResult r = KERNEL.compute("rloo", Map.of("beta", 0.0, "num_generations", 2L), List.of(
                HostTensor.matrix("logps", LOGPS), HostTensor.matrix("old_logps", LOGPS),
                HostTensor.vector("rewards", 1, 1, 0, 1)), true, true);
        assertThat(r.metrics()).doesNotContainKey("kl").containsEntry("frac_reward_zero_std", 0.5);
        // On-policy: ratio 1, so the loss is -mean(A) = 0 for leave-one-out advantages, and d/dlogp = -A_i / B.
        assertThat(r.loss()).isCloseTo(0.0, within(1e-15));
        double[] g = r.gradient("logps").orElseThrow().values();
        assertThat(g[0]).isCloseTo(0.0, within(1e-15));
        assertThat(g[6]).isCloseTo(1.0 / 4, within(1e-15));
        assertThat(g[9]).isCloseTo(-1.0 / 4, within(1e-15));
    }
}
