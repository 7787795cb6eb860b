package dev.plumbline.plugin.orpo;

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

class OrpoAlgorithmTest {

    private static final LossKernel KERNEL = new LossKernel(PluginRegistry.discover());
    private static final double[][] TOKENS = {{-2.0, -1.5, -0.5, -0.25, 9.0}, {-3.0, -0.75, -0.5, 9.0, 9.0}};
    private static final double[][] ATTENTION = {{1, 1, 1, 1, 0}, {1, 1, 1, 0, 0}};
    private static final double[][] COMPLETION = {{0, 0, 1, 1, 0}, {0, 1, 1, 0, 0}};

    private static List<HostTensor> tokenBatch() {
        return List.of(HostTensor.vector("policy_chosen_avg_logps", -0.8, -0.3),
                HostTensor.vector("policy_rejected_avg_logps", -1.5, -0.2),
                HostTensor.matrix("chosen_token_logps", TOKENS), HostTensor.matrix("chosen_attention_mask", ATTENTION),
                HostTensor.matrix("chosen_completion_mask", COMPLETION));
    }

    @Test
    void nllCoversPromptAndCompletionByDefaultLikeTrl() {
        LossResult withPrompt = KERNEL.compute("orpo", Map.of(), tokenBatch(), true, false);
        assertThat(withPrompt.metrics().get("nll_loss")).isCloseTo((2 + 1.5 + 0.5 + 0.25 + 3 + 0.75 + 0.5) / 7,
                within(1e-15));
        LossResult completionOnly = KERNEL.compute("orpo", Map.of("nll_includes_prompt", false), tokenBatch(), true,
                false);
        assertThat(completionOnly.metrics().get("nll_loss")).isCloseTo((0.5 + 0.25 + 0.75 + 0.5) / 4, within(1e-15));
        assertThat(withPrompt.loss() - withPrompt.metrics().get("nll_loss"))
                .isCloseTo(completionOnly.loss() - completionOnly.metrics().get("nll_loss"), within(1e-15));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        GradientCheck.assertGradients(KERNEL, "orpo", Map.of("beta", 0.25), tokenBatch(),
                List.of("policy_chosen_avg_logps", "policy_rejected_avg_logps", "chosen_token_logps"));
        GradientCheck.assertGradients(KERNEL, "orpo", Map.of(), List.of(
                HostTensor.vector("policy_chosen_avg_logps", -0.8, -1.2, -3.0),
                HostTensor.vector("policy_rejected_avg_logps", -1.5, -1.1, -0.05), HostTensor.scalar("nll_loss", 0.9)),
                List.of("policy_chosen_avg_logps", "policy_rejected_avg_logps", "nll_loss"));
    }

    @Test
    void paddingTokensGetNoGradient() {
        LossResult r = KERNEL.compute("orpo", Map.of(), tokenBatch(), true, true);
        double[] g = r.gradient("chosen_token_logps").orElseThrow().values();
        assertThat(g[4]).isEqualTo(0.0);
        assertThat(g[8]).isEqualTo(0.0);
        assertThat(g[0]).isCloseTo(-1.0 / 7, within(1e-15));
    }

    @Test
    void logOddsStayFiniteForNearlyCertainCompletions() {
        // The naive log(1 - exp(l)) loses every digit at l = -1e-12; log1mexp keeps log(1e-12).
        LossResult r = KERNEL.compute("orpo", Map.of(), List.of(HostTensor.vector("policy_chosen_avg_logps", -1e-12),
                HostTensor.vector("policy_rejected_avg_logps", -2.0), HostTensor.scalar("nll_loss", 1.0)), true, true);
        double expectedLogOdds = (-1e-12 + 2.0) - (Math.log(-Math.expm1(-1e-12)) - Math.log1p(-Math.exp(-2.0)));
        assertThat(r.output("log_odds").orElseThrow().values()[0]).isCloseTo(expectedLogOdds, within(1e-9));
        assertThat(r.gradients()).allSatisfy(g -> assertThat(java.util.Arrays.stream(g.values()).allMatch(Double::isFinite)).isTrue());
    }
}
