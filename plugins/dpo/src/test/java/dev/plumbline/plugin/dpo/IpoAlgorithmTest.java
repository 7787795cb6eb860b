package dev.plumbline.plugin.dpo;

import static dev.plumbline.plugin.dpo.DpoAlgorithmTest.KERNEL;
import static dev.plumbline.plugin.dpo.DpoAlgorithmTest.PC;
import static dev.plumbline.plugin.dpo.DpoAlgorithmTest.PR;
import static dev.plumbline.plugin.dpo.DpoAlgorithmTest.RC;
import static dev.plumbline.plugin.dpo.DpoAlgorithmTest.RR;
import static dev.plumbline.plugin.dpo.DpoAlgorithmTest.assertClose;
import static dev.plumbline.plugin.dpo.DpoAlgorithmTest.batch;
import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.engine.loss.testing.GradientCheck;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IpoAlgorithmTest {

    @Test
    void summedLogRatiosAsOpenRlhfWhenNotLengthNormalised() {
        double beta = 0.5;
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            double margin = (PC[i] - RC[i]) - (PR[i] - RR[i]);
            expected[i] = Math.pow(margin - 1 / (2 * beta), 2);
        }
        double[] summed = KERNEL.compute("ipo", Map.of("beta", beta, "length_normalized", false), batch(false), true,
                false).output("per_pair_loss").orElseThrow().values();
        assertClose(summed, expected);
        double[] normalized = KERNEL.compute("ipo", Map.of("beta", beta), batch(true), true, false)
                .output("per_pair_loss").orElseThrow().values();
        assertThat(normalized[0]).isNotCloseTo(summed[0], org.assertj.core.api.Assertions.within(1e-3));
        // Length-normalised ipo is exactly dpo's loss_type=ipo.
        assertClose(normalized, KERNEL.compute("dpo", Map.of("beta", beta, "loss_type", "ipo"), batch(true), true,
                false).output("per_pair_loss").orElseThrow().values());
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        GradientCheck.assertGradients(KERNEL, "ipo", Map.of(), batch(true), DpoAlgorithmTest.DIFFERENTIABLE);
        GradientCheck.assertGradients(KERNEL, "ipo", Map.of("length_normalized", false), batch(false),
                DpoAlgorithmTest.DIFFERENTIABLE);
    }
}
