package dev.plumbline.plugin.nash;

import static dev.plumbline.plugin.nash.SppoAlgorithmTest.KERNEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.loss.testing.GradientCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NashMdAlgorithmTest {

    private static final double[][] LOGPS = {{-0.5, -1.0, -0.2}, {-0.3, -0.8, -7.0}};
    private static final double[][] REF = {{-0.6, -0.9, -0.4}, {-0.2, -1.0, -5.0}};
    private static final double[][] MASK = {{1, 1, 1}, {1, 1, 0}};
    private static final double[] MODEL = {1.5, -0.2};
    private static final double[] MIXTURE = {0.5, 0.3};

    private static List<HostTensor> batch() {
        return List.of(HostTensor.matrix("policy_logps", LOGPS), HostTensor.matrix("reference_logps", REF),
                HostTensor.matrix("mask", MASK), HostTensor.vector("model_scores", MODEL),
                HostTensor.vector("mixture_scores", MIXTURE));
    }

    @Test
    void theScoreTermHasTheFiniteDifferenceGradient() {
        // With beta = 0 the loss is -mean((p - 1/2) sum log pi): its value's derivative is its gradient.
        GradientCheck.assertGradients(KERNEL, "nash-md", Map.of("beta", 0.0), batch(), List.of("policy_logps"));
    }

    @Test
    void theKlTermIsTrlsReinforceSurrogate() {
        double beta = 0.1;
        LossResult r = KERNEL.compute("nash-md", Map.of("beta", beta), batch(), true, true);
        double[] g = r.gradient("policy_logps").orElseThrow().values();
        for (int i = 0; i < 2; i++) {
            double p = 1 / (1 + Math.exp(-(MODEL[i] - MIXTURE[i])));
            for (int t = 0; t < 3; t++) {
                // d/dlogp of beta * [logp - ref]_detached * logp - (p - 1/2) logp, averaged over the batch.
                double expected = MASK[i][t] * (beta * (LOGPS[i][t] - REF[i][t]) - (p - 0.5)) / 2;
                assertThat(g[i * 3 + t]).as("token %d,%d", i, t).isCloseTo(expected, within(1e-15));
            }
        }
        assertThat(r.metrics()).containsEntry("beta", 0.1).containsEntry("mixture_coef", 0.5);
        assertThat(r.metrics().get("logps/chosen")).isCloseTo((-1.7 - 1.1) / 2, within(1e-15));
    }

    @Test
    void mixtureLogProbsWeightTheReferenceLogitsByTheMixtureCoefficient() {
        double[][] policy = {{2.0, 1.0, 0.1}, {0.0, 0.0, 3.0}};
        double[][] reference = {{0.5, 1.5, 0.0}, {1.0, -1.0, 0.0}};
        LossResult r = KERNEL.compute("nash-md", Map.of("mixture_coef", 0.25), List.of(
                HostTensor.matrix("policy_logps", LOGPS), HostTensor.matrix("reference_logps", REF),
                HostTensor.vector("model_scores", MODEL), HostTensor.vector("mixture_scores", MIXTURE),
                HostTensor.matrix("policy_logits", policy), HostTensor.matrix("reference_logits", reference)), true,
                false);
        double[] mix = r.output("mixture_log_probs").orElseThrow().values();
        for (int n = 0; n < 2; n++) {
            double[] z = new double[3];
            double norm = 0;
            for (int v = 0; v < 3; v++) {
                z[v] = 0.25 * reference[n][v] + 0.75 * policy[n][v];
                norm += Math.exp(z[v]);
            }
            for (int v = 0; v < 3; v++) {
                assertThat(mix[n * 3 + v]).isCloseTo(z[v] - Math.log(norm), within(1e-15));
            }
        }
    }
}
