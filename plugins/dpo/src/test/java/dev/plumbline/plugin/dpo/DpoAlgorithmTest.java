package dev.plumbline.plugin.dpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.loss.LossResult;
import dev.plumbline.engine.loss.testing.GradientCheck;
import dev.plumbline.engine.plugin.PluginRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DpoAlgorithmTest {

    static final LossKernel KERNEL = new LossKernel(PluginRegistry.discover());
    static final double[] PC = {-10.0, -8.0, -12.5};
    static final double[] PR = {-12.0, -7.5, -13.0};
    static final double[] RC = {-11.0, -8.2, -12.0};
    // No ties among the rejected log-ratios: aot_unpaired sorts them (a tie is a kink of the sort).
    static final double[] RR = {-11.4, -7.0, -12.8};
    static final List<String> DIFFERENTIABLE = List.of("policy_chosen_logps", "policy_rejected_logps");

    static List<HostTensor> batch(boolean withLengths) {
        List<HostTensor> t = new ArrayList<>(List.of(HostTensor.vector("policy_chosen_logps", PC),
                HostTensor.vector("policy_rejected_logps", PR), HostTensor.vector("reference_chosen_logps", RC),
                HostTensor.vector("reference_rejected_logps", RR)));
        if (withLengths) {
            t.add(HostTensor.vector("chosen_lengths", 5, 4, 6));
            t.add(HostTensor.vector("rejected_lengths", 6, 3, 5));
        }
        return t;
    }

    static List<String> lossTypes() {
        return DpoAlgorithm.LossType.parameterValues();
    }

    @ParameterizedTest
    @MethodSource("lossTypes")
    void gradientsMatchFiniteDifferencesForEveryLossType(String lossType) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("loss_type", lossType);
        params.put("label_smoothing", 0.1);
        GradientCheck.assertGradients(KERNEL, "dpo", params, batch(true), DIFFERENTIABLE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"forward_kl", "js_divergence", "alpha_divergence"})
    void fDivergenceScoresHaveCorrectGradients(String divergence) {
        GradientCheck.assertGradients(KERNEL, "dpo", Map.of("f_divergence_type", divergence, "loss_type", "sigmoid"),
                batch(false), DIFFERENTIABLE);
    }

    @Test
    void fDivergenceScoresFollowTrl() {
        double beta = 0.1;
        double[] expectedForward = new double[3];
        double[] expectedAlpha = new double[3];
        for (int i = 0; i < 3; i++) {
            double rw = PC[i] - RC[i];
            double rl = PR[i] - RR[i];
            double sw = -Math.exp(-rw);
            double sl = -Math.exp(-rl);
            expectedForward[i] = -logSigmoid(beta * (sw - sl));
            // alpha = 0.5: s = exp(-0.5 r) / -0.5
            expectedAlpha[i] = -logSigmoid(beta * (Math.exp(-0.5 * rw) / -0.5 - Math.exp(-0.5 * rl) / -0.5));
        }
        assertClose(perPair(Map.of("f_divergence_type", "forward_kl")), expectedForward);
        assertClose(perPair(Map.of("f_divergence_type", "alpha_divergence")), expectedAlpha);
        // alpha = 1 is the reverse-KL limit.
        assertClose(perPair(Map.of("f_divergence_type", "alpha_divergence", "f_alpha_divergence_coef", 1.0)),
                perPair(Map.of()));
    }

    @Test
    void labelSmoothingIsIgnoredBySigmoidUnlessAskedFor() {
        double[] plain = perPair(Map.of());
        assertClose(perPair(Map.of("label_smoothing", 0.1)), plain);
        double[] cdpo = perPair(Map.of("label_smoothing", 0.1, "sigmoid_label_smoothing", true));
        for (int i = 0; i < 3; i++) {
            double z = 0.1 * ((PC[i] - RC[i]) - (PR[i] - RR[i]));
            assertThat(cdpo[i]).isCloseTo(-0.9 * logSigmoid(z) - 0.1 * logSigmoid(-z), within(1e-14));
        }
    }

    @Test
    void aotSortsMarginsOverTheBatch() {
        double beta = 0.1;
        double[] policy = new double[3];
        double[] reference = new double[3];
        for (int i = 0; i < 3; i++) {
            policy[i] = PC[i] - PR[i];
            reference[i] = RC[i] - RR[i];
        }
        Arrays.sort(policy);
        Arrays.sort(reference);
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            expected[i] = -logSigmoid(beta * (policy[i] - reference[i]));
        }
        assertClose(perPair(Map.of("loss_type", "aot")), expected);
    }

    @Test
    void atThePolicyEqualsReferenceStartRewardsAreTiedAndTheGradientIsHalfBeta() {
        List<HostTensor> start = List.of(HostTensor.vector("policy_chosen_logps", RC),
                HostTensor.vector("policy_rejected_logps", RR), HostTensor.vector("reference_chosen_logps", RC),
                HostTensor.vector("reference_rejected_logps", RR));
        LossResult r = KERNEL.compute("dpo", Map.of(), start, true, true);
        assertThat(r.loss()).isCloseTo(Math.log(2), within(1e-15));
        // Strict '>' in rewards/accuracies: ties count 0, so DPO logs 0 accuracy at step 0.
        assertThat(r.metrics()).containsEntry("rewards/accuracies", 0.0).containsEntry("rewards/margins", 0.0);
        assertThat(r.gradient("policy_chosen_logps").orElseThrow().values())
                .containsExactly(-0.05 / 3, -0.05 / 3, -0.05 / 3);
        assertThat(r.gradient("policy_rejected_logps").orElseThrow().values())
                .containsExactly(0.05 / 3, 0.05 / 3, 0.05 / 3);
    }

    @Test
    void float32AgreesWithFloat64() {
        LossResult f64 = KERNEL.compute("dpo", Map.of(), batch(false), true, true);
        LossResult f32 = KERNEL.compute("dpo", Map.of(), batch(false), false, true);
        assertThat(f32.loss()).isCloseTo(f64.loss(), within(1e-6));
        assertThat(f32.metrics().get("rewards/margins")).isCloseTo(f64.metrics().get("rewards/margins"), within(1e-6));
    }

    private static double[] perPair(Map<String, Object> params) {
        return KERNEL.compute("dpo", params, batch(true), true, false).output("per_pair_loss").orElseThrow().values();
    }

    static double logSigmoid(double x) {
        return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
    }

    static void assertClose(double[] actual, double[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-13));
        }
    }
}
