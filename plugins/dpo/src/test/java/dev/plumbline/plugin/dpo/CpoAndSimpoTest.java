package dev.plumbline.plugin.dpo;

import static dev.plumbline.plugin.dpo.DpoAlgorithmTest.KERNEL;
import static dev.plumbline.plugin.dpo.DpoAlgorithmTest.logSigmoid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.loss.testing.GradientCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CpoAndSimpoTest {

    private static final double[] CHOSEN = {-0.8, -1.2, -0.4};
    private static final double[] REJECTED = {-1.5, -1.1, -0.9};

    private static List<HostTensor> cpoBatch() {
        return List.of(HostTensor.vector("policy_chosen_logps", CHOSEN),
                HostTensor.vector("policy_rejected_logps", REJECTED), HostTensor.scalar("nll_loss", 0.9));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "hinge", "ipo", "simpo"})
    void cpoGradientsIncludingTheNllTerm(String lossType) {
        GradientCheck.assertGradients(KERNEL, "cpo", Map.of("loss_type", lossType, "label_smoothing", 0.1), cpoBatch(),
                List.of("policy_chosen_logps", "policy_rejected_logps", "nll_loss"));
    }

    @Test
    void cpoLossTypesFollowTrl() {
        double beta = 0.1;
        LossResult hinge = KERNEL.compute("cpo", Map.of("loss_type", "hinge", "cpo_alpha", 0.5), cpoBatch(), true, true);
        double expected = 0;
        for (int i = 0; i < 3; i++) {
            expected += Math.max(0, 1 - beta * (CHOSEN[i] - REJECTED[i])) / 3;
        }
        assertThat(hinge.loss()).isCloseTo(expected + 0.5 * 0.9, within(1e-14));
        assertThat(hinge.gradient("nll_loss").orElseThrow().values()).containsExactly(0.5);
        LossResult ipo = KERNEL.compute("cpo", Map.of("loss_type", "ipo", "cpo_alpha", 0.0), cpoBatch(), true, false);
        double expectedIpo = 0;
        for (int i = 0; i < 3; i++) {
            expectedIpo += Math.pow(CHOSEN[i] - REJECTED[i] - 5.0, 2) / 3;
        }
        assertThat(ipo.loss()).isCloseTo(expectedIpo, within(1e-13));
        assertThat(ipo.metrics()).containsEntry("nll_loss", 0.9);
    }

    @Test
    void simpoIsSigmoidWithATargetMarginAndNoNllByDefault() {
        double beta = 2.0;
        double gamma = 0.5;
        LossResult r = KERNEL.compute("simpo", Map.of("beta", beta, "simpo_gamma", gamma), List.of(
                HostTensor.vector("policy_chosen_avg_logps", CHOSEN),
                HostTensor.vector("policy_rejected_avg_logps", REJECTED)), true, true);
        double expected = 0;
        for (int i = 0; i < 3; i++) {
            expected += -logSigmoid(beta * (CHOSEN[i] - REJECTED[i]) - gamma) / 3;
        }
        assertThat(r.loss()).isCloseTo(expected, within(1e-14));
        assertThat(r.metrics()).doesNotContainKey("nll_loss");
        GradientCheck.assertGradients(KERNEL, "simpo", Map.of("beta", beta, "cpo_alpha", 1.0, "label_smoothing", 0.2),
                List.of(HostTensor.vector("policy_chosen_avg_logps", CHOSEN),
                        HostTensor.vector("policy_rejected_avg_logps", REJECTED), HostTensor.scalar("nll_loss", 1.3)),
                List.of("policy_chosen_avg_logps", "policy_rejected_avg_logps", "nll_loss"));
    }
}
