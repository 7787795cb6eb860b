package dev.plumbline.plugin.dpo;

import static dev.plumbline.plugin.dpo.DpoAlgorithmTest.KERNEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.loss.testing.GradientCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnlineDpoAlgorithmTest {

    private static List<HostTensor> batch(double[] rewards) {
        return List.of(HostTensor.of("rewards", rewards, 2, 3),
                HostTensor.of("policy_logps", new double[] {-6, -4, -3, -5, -4.5, -2}, 2, 3),
                HostTensor.of("reference_logps", new double[] {-6.2, -4.1, -3.3, -4.8, -4.4, -2.5}, 2, 3));
    }

    @Test
    void higherRewardIsChosenAndTiesGoToTheFirstCompletion() {
        LossResult r = KERNEL.compute("online-dpo", Map.of(), batch(new double[] {0.3, 0.9, 0.1, 0.7, 0.9, 0.5}), true,
                true);
        assertThat(r.output("chosen_index").orElseThrow().values()).containsExactly(3, 1, 5);
        assertThat(r.output("rejected_index").orElseThrow().values()).containsExactly(0, 4, 2);
        // Prompt 0: chosen row 1 (-5 vs ref -4.8), rejected row 0 (-6 vs -6.2): logits = -0.2 - 0.2 = -0.4.
        assertThat(r.output("logits").orElseThrow().values()[0]).isCloseTo(-0.4, within(1e-14));
        assertThat(r.metrics().get("objective/scores_margin")).isCloseTo((0.4 + 0 + 0.4) / 3, within(1e-14));
        // The tied prompt's rejected completion still gets a gradient (it is the second row).
        assertThat(r.gradient("policy_logps").orElseThrow().values()[4]).isGreaterThan(0.0);
    }

    @Test
    void ipoUsesSummedLogProbs() {
        LossResult r = KERNEL.compute("online-dpo", Map.of("loss_type", "ipo", "beta", 0.25),
                batch(new double[] {1, 0, 0, 0, 1, 1}), true, false);
        double[] logits = r.output("logits").orElseThrow().values();
        double expected = 0;
        for (double l : logits) {
            expected += Math.pow(l - 2.0, 2) / 3;
        }
        assertThat(r.loss()).isCloseTo(expected, within(1e-13));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        for (String lossType : List.of("sigmoid", "ipo")) {
            GradientCheck.assertGradients(KERNEL, "online-dpo", Map.of("loss_type", lossType),
                    batch(new double[] {0.3, 0.9, 0.1, 0.7, 0.2, 0.5}), List.of("policy_logps"));
        }
    }
}
