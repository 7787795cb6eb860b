package dev.plumbline.plugin.kto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.loss.testing.GradientCheck;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.InvalidInputException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KtoAlgorithmTest {

    private static final LossKernel KERNEL = new LossKernel(PluginRegistry.discover());
    private static final double[] LOGPS = {-5.0, -7.0, -6.0, -4.0, -3.0};
    private static final double[] REF = {-5.5, -6.5, -6.2, -4.1, -3.3};
    private static final double[] LABELS = {1, 0, 1, 0, 0};

    private static List<HostTensor> batch(double[] klPolicy, double[] klRef) {
        return List.of(HostTensor.vector("policy_logps", LOGPS), HostTensor.vector("reference_logps", REF),
                HostTensor.vector("labels", LABELS), HostTensor.vector("policy_kl_logps", klPolicy),
                HostTensor.vector("reference_kl_logps", klRef));
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void gradientsFlowOnlyThroughThePolicyLogProbs() {
        double[] klp = {-9.0, -8.0, -10.0, -7.5, -6.0};
        double[] klr = {-9.3, -8.1, -9.8, -7.9, -6.5};
        for (String lossType : List.of("kto", "apo_zero_unpaired")) {
            GradientCheck.assertGradients(KERNEL, "kto", Map.of("loss_type", lossType, "desirable_weight", 1.33,
                    "undesirable_weight", 0.8), batch(klp, klr), List.of("policy_logps"));
        }
    }

    @Test
    void weightedLossIsDividedByTheNumberOfExamples() {
        double beta = 0.1;
        double[] klp = {-9.0, -8.0, -10.0, -7.5, -6.0};
        double[] klr = {-9.3, -8.1, -9.8, -7.9, -6.5};
        double z0 = 0;
        for (int i = 0; i < 5; i++) {
            z0 += (klp[i] - klr[i]) / 5;
        }
        double expected = 0;
        for (int i = 0; i < 5; i++) {
            double r = LOGPS[i] - REF[i];
            expected += LABELS[i] == 1 ? 1.33 * (1 - sigmoid(beta * (r - z0))) : 0.8 * (1 - sigmoid(beta * (z0 - r)));
        }
        LossResult result = KERNEL.compute("kto", Map.of("desirable_weight", 1.33, "undesirable_weight", 0.8),
                batch(klp, klr), true, false);
        assertThat(result.loss()).isCloseTo(expected / 5, within(1e-15));
        assertThat(result.metrics().get("kl")).isCloseTo(z0, within(1e-15));
    }

    @Test
    void aNegativeKlEstimateIsClampedToZero() {
        double[] klp = {-9.5, -8.5, -10.5, -8.0, -7.0};
        double[] klr = {-9.0, -8.0, -10.0, -7.5, -6.5};
        LossResult kto = KERNEL.compute("kto", Map.of(), batch(klp, klr), true, false);
        assertThat(kto.metrics()).containsEntry("kl", 0.0);
        double expected = 0;
        for (int i = 0; i < 5; i++) {
            double r = 0.1 * (LOGPS[i] - REF[i]);
            expected += (LABELS[i] == 1 ? 1 - sigmoid(r) : 1 - sigmoid(-r)) / 5;
        }
        assertThat(kto.loss()).isCloseTo(expected, within(1e-15));
    }

    @Test
    void classMetricsAppearOnlyForClassesInTheBatch() {
        List<HostTensor> allDesirable = List.of(HostTensor.vector("policy_logps", -1, -2),
                HostTensor.vector("reference_logps", -1.5, -2.5), HostTensor.vector("labels", 1, 1));
        LossResult r = KERNEL.compute("kto", Map.of("loss_type", "apo_zero_unpaired"), allDesirable, true, false);
        assertThat(r.metrics()).containsKeys("kl", "rewards/chosen", "logps/chosen")
                .doesNotContainKeys("rewards/rejected", "logps/rejected", "rewards/margins");
        assertThat(r.metrics().get("rewards/chosen")).isCloseTo(0.05, within(1e-15));
        assertThat(r.metrics().get("logps/chosen")).isCloseTo(-1.5, within(1e-15));
    }

    @Test
    void ktoNeedsAtLeastTwoExamplesForItsKlEstimate() {
        List<HostTensor> one = List.of(HostTensor.vector("policy_logps", -1), HostTensor.vector("reference_logps", -1.5),
                HostTensor.vector("labels", 1), HostTensor.vector("policy_kl_logps", -2),
                HostTensor.vector("reference_kl_logps", -2));
        assertThatThrownBy(() -> KERNEL.compute("kto", Map.of(), one, true, false))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("tensors.policy_logps.shape"));
        assertThat(KERNEL.compute("kto", Map.of("loss_type", "apo_zero_unpaired"), one.subList(0, 3), true, false)
                .loss()).isCloseTo(1 - sigmoid(0.05), within(1e-15));
    }
}
