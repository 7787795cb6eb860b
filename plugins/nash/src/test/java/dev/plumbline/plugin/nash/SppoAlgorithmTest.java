package dev.plumbline.plugin.nash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.loss.testing.GradientCheck;
import dev.plumbline.engine.plugin.PluginRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SppoAlgorithmTest {

    static final LossKernel KERNEL = new LossKernel(PluginRegistry.discover());

    private static List<HostTensor> logps() {
        return new ArrayList<>(List.of(HostTensor.vector("policy_chosen_logps", -20.0, -11.0),
                HostTensor.vector("policy_rejected_logps", -25.0, -13.5),
                HostTensor.vector("reference_chosen_logps", -20.3, -11.2),
                HostTensor.vector("reference_rejected_logps", -24.9, -13.0)));
    }

    @Test
    void scoresAndPrecomputedProbabilitiesGiveTheSameLoss() {
        double[][] scores = {{1.2, -0.3, 0.5, 2.0, -1.0}, {0.1, 0.4, 0.4, -2.0, -2.0}};
        List<HostTensor> fromScores = logps();
        fromScores.add(HostTensor.matrix("response_scores", scores));
        for (String lossType : List.of("sppo", "sppo_single")) {
            LossResult a = KERNEL.compute("sppo", Map.of("beta", 0.1, "loss_type", lossType), fromScores, true, false);
            // Ties: the first maximum / minimum wins, as in compute_prob.py and torch.argmax.
            assertThat(a.output("chosen_index").orElseThrow().values()).containsExactly(3, 1);
            assertThat(a.output("rejected_index").orElseThrow().values()).containsExactly(4, 3);
            double[] win = new double[2];
            double[] lose = new double[2];
            double[] single = new double[2];
            for (int b = 0; b < 2; b++) {
                int w = b == 0 ? 3 : 1;
                int l = b == 0 ? 4 : 3;
                for (int j = 0; j < 5; j++) {
                    win[b] += 1 / (1 + Math.exp(scores[b][j] - scores[b][w])) / 5;
                    lose[b] += 1 / (1 + Math.exp(scores[b][j] - scores[b][l])) / 5;
                }
                single[b] = 1 / (1 + Math.exp(scores[b][l] - scores[b][w]));
            }
            List<HostTensor> precomputed = logps();
            precomputed.add(HostTensor.vector("chosen_probs", single));
            precomputed.add(HostTensor.vector("chosen_probs_win", win));
            precomputed.add(HostTensor.vector("chosen_probs_lose", lose));
            LossResult b = KERNEL.compute("sppo", Map.of("beta", 0.1, "loss_type", lossType), precomputed, true, false);
            assertThat(b.loss()).isCloseTo(a.loss(), within(1e-13 * a.loss()));
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        List<HostTensor> t = logps();
        t.add(HostTensor.matrix("response_scores", new double[][] {{1.2, -0.3, 0.5}, {0.1, 0.4, -2.0}}));
        for (String lossType : List.of("sppo", "sppo_single")) {
            GradientCheck.assertGradients(KERNEL, "sppo", Map.of("beta", 0.1, "loss_type", lossType), t,
                    List.of("policy_chosen_logps", "policy_rejected_logps"));
        }
    }
}
