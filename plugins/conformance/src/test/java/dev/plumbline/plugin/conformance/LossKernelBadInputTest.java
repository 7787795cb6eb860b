package dev.plumbline.plugin.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Client mistakes against the real plugins surface as {@link InvalidInputException}s that name the
 * field (the server maps them to INVALID_ARGUMENT), never as another exception type.
 */
class LossKernelBadInputTest {

    private static final LossKernel KERNEL = new LossKernel(PluginRegistry.discover());

    private static List<HostTensor> dpoBatch() {
        return new ArrayList<>(List.of(
                HostTensor.vector("policy_chosen_logps", -10, -8, -12.5),
                HostTensor.vector("policy_rejected_logps", -12, -7.5, -13),
                HostTensor.vector("reference_chosen_logps", -11, -8.2, -12),
                HostTensor.vector("reference_rejected_logps", -11.5, -7, -12.8)));
    }

    private static List<HostTensor> grpoBatch(int rows) {
        double[] logps = new double[rows * 2];
        double[] rewards = new double[rows];
        for (int i = 0; i < rows; i++) {
            logps[2 * i] = -0.5 - 0.1 * i;
            logps[2 * i + 1] = -1.0;
            rewards[i] = i % 3;
        }
        return new ArrayList<>(List.of(HostTensor.of("logps", logps, rows, 2), HostTensor.vector("rewards", rewards)));
    }

    private static LinkedHashMap<String, Object> params(Object... kv) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void validBatchesPass() {
        assertThat(KERNEL.compute("dpo", Map.of(), dpoBatch(), true, true).gradients()).hasSize(2);
        assertThat(KERNEL.compute("grpo", params("num_generations", 3L), grpoBatch(6), true, true).gradients())
                .hasSize(1);
    }

    @Test
    void unknownAlgorithm() {
        assertInvalid(() -> KERNEL.compute("dpo-v2", Map.of(), dpoBatch(), true, false), "algorithm",
                "unknown algorithm 'dpo-v2'");
    }

    @Test
    void unknownParameter() {
        assertInvalid(() -> KERNEL.compute("dpo", params("betta", 0.1), dpoBatch(), true, false), "parameters.betta",
                "unknown parameter");
    }

    @Test
    void parameterValuesOutOfRange() {
        assertInvalid(() -> KERNEL.compute("dpo", params("beta", -0.1), dpoBatch(), true, false), "parameters.beta",
                "must be >=");
        assertInvalid(() -> KERNEL.compute("dpo", params("loss_type", "kto"), dpoBatch(), true, false),
                "parameters.loss_type", "must be one of");
        assertInvalid(() -> KERNEL.compute("grpo", params("num_generations", 1L), grpoBatch(6), true, false),
                "parameters.num_generations", "must be >= 2");
        assertInvalid(() -> KERNEL.compute("grpo", params("num_generations", 2.5), grpoBatch(6), true, false),
                "parameters.num_generations", "expected an integer");
        assertInvalid(() -> KERNEL.compute("dpo", params("loss_type", "exo_pair"), dpoBatch(), true, false),
                "parameters.label_smoothing", "must be > 0 for loss_type=exo_pair");
        assertInvalid(() -> KERNEL.compute("dpo", params("loss_type", "robust", "label_smoothing", 0.5), dpoBatch(),
                true, false), "parameters.label_smoothing", "must be < 0.5");
        assertInvalid(() -> KERNEL.compute("ppo", params("dual_clip", 0.5), ppoBatch(), true, false),
                "parameters.dual_clip", "must be 0 (off) or > 1");
    }

    @Test
    void groupSizeThatDoesNotDivideTheBatch() {
        assertInvalid(() -> KERNEL.compute("grpo", params("num_generations", 4L), grpoBatch(6), true, true),
                "parameters.num_generations", "does not divide the batch of 6");
        List<HostTensor> rloo = List.of(HostTensor.of("logps", new double[] {-1, -2, -3}, 3, 1),
                HostTensor.of("old_logps", new double[] {-1, -2, -3}, 3, 1), HostTensor.vector("rewards", 1, 0, 1));
        assertInvalid(() -> KERNEL.compute("rloo", params("num_generations", 2L, "beta", 0.0), rloo, true, true),
                "parameters.num_generations", "does not divide the batch of 3");
    }

    @Test
    void mismatchedShapes() {
        List<HostTensor> batch = dpoBatch();
        batch.set(1, HostTensor.vector("policy_rejected_logps", -12, -7.5, -13, -1));
        assertInvalid(() -> KERNEL.compute("dpo", Map.of(), batch, true, false), "tensors.policy_rejected_logps.shape",
                "dimension B (axis 0 of [B]): expected 3 as bound by tensors.policy_chosen_logps, got 4");
        List<HostTensor> grpo = grpoBatch(6);
        grpo.add(HostTensor.of("mask", new double[18], 6, 3));
        assertInvalid(() -> KERNEL.compute("grpo", params("num_generations", 3L), grpo, true, false),
                "tensors.mask.shape", "dimension T (axis 1 of [B, T]): expected 2 as bound by tensors.logps, got 3");
        List<HostTensor> rank = dpoBatch();
        rank.set(0, HostTensor.of("policy_chosen_logps", new double[] {-10, -8, -12.5}, 3, 1));
        assertInvalid(() -> KERNEL.compute("dpo", Map.of(), rank, true, false), "tensors.policy_chosen_logps.shape",
                "expected rank 1 [B], got [3, 1]");
        assertInvalid(() -> KERNEL.compute("online-dpo", Map.of(), List.of(
                HostTensor.of("rewards", new double[6], 3, 2), HostTensor.of("policy_logps", new double[6], 3, 2),
                HostTensor.of("reference_logps", new double[6], 3, 2)), true, false),
                "tensors.rewards.shape", "axis 0: expected 2, got 3");
        List<HostTensor> count = dpoBatch();
        count.set(2, HostTensor.of("reference_chosen_logps", new double[] {-11, -8.2}, 3));
        assertInvalid(() -> KERNEL.compute("dpo", Map.of(), count, true, false), "tensors.reference_chosen_logps.values",
                "expected 3 values for shape [3], got 2");
    }

    @Test
    void nanAndInfinity() {
        List<HostTensor> nan = dpoBatch();
        nan.set(0, HostTensor.vector("policy_chosen_logps", -10, Double.NaN, -12.5));
        assertInvalid(() -> KERNEL.compute("dpo", Map.of(), nan, true, true), "tensors.policy_chosen_logps.values",
                "values[1] is NaN");
        List<HostTensor> inf = dpoBatch();
        inf.set(3, HostTensor.vector("reference_rejected_logps", -11.5, -7, Double.POSITIVE_INFINITY));
        assertInvalid(() -> KERNEL.compute("dpo", Map.of(), inf, true, true), "tensors.reference_rejected_logps.values",
                "values[2] is Infinity");
    }

    @Test
    void emptyBatchAndEmptyTensorList() {
        assertInvalid(() -> KERNEL.compute("dpo", Map.of(), List.of(), true, false), "tensors", "no tensors given");
        List<HostTensor> empty = List.of(HostTensor.vector("policy_chosen_logps"),
                HostTensor.vector("policy_rejected_logps"), HostTensor.vector("reference_chosen_logps"),
                HostTensor.vector("reference_rejected_logps"));
        assertInvalid(() -> KERNEL.compute("dpo", Map.of(), empty, true, true), "tensors", "empty batch");
    }

    @Test
    void missingTensors() {
        List<HostTensor> batch = dpoBatch();
        batch.remove(3);
        assertInvalid(() -> KERNEL.compute("dpo", Map.of(), batch, true, false), "tensors.reference_rejected_logps",
                "required tensor is missing");
        assertInvalid(() -> KERNEL.compute("dpo", params("loss_type", "ipo"), dpoBatch(), true, false),
                "tensors.chosen_lengths", "required by loss_type=ipo");
        assertInvalid(() -> KERNEL.compute("ipo", Map.of(), dpoBatch(), true, false), "tensors.chosen_lengths",
                "required by length_normalized=true");
        assertInvalid(() -> KERNEL.compute("grpo", params("beta", 0.04, "num_generations", 3L), grpoBatch(6), true,
                false), "tensors.ref_logps", "required when beta > 0");
        assertInvalid(() -> KERNEL.compute("grpo", Map.of(), List.of(HostTensor.of("logps", new double[4], 2, 2)),
                true, false), "tensors.advantages", "give exactly one of advantages or rewards");
        assertInvalid(() -> KERNEL.compute("cpo", Map.of(), List.of(HostTensor.vector("policy_chosen_logps", -1),
                HostTensor.vector("policy_rejected_logps", -2)), true, false), "tensors.nll_loss", "cpo_alpha");
        assertInvalid(() -> KERNEL.compute("ppo", Map.of(), ppoBatch().subList(0, 4), true, false),
                "tensors.token_rewards", "give exactly one of token_rewards or scores");
        assertInvalid(() -> KERNEL.compute("kto", Map.of(), List.of(HostTensor.vector("policy_logps", -1, -2),
                HostTensor.vector("reference_logps", -1, -2), HostTensor.vector("labels", 1, 0)), true, false),
                "tensors.policy_kl_logps", "required for loss_type=kto");
    }

    @Test
    void valuesAPluginCannotAccept() {
        assertInvalid(() -> KERNEL.compute("kto", params("loss_type", "apo_zero_unpaired"), List.of(
                HostTensor.vector("policy_logps", -1, -2), HostTensor.vector("reference_logps", -1, -2),
                HostTensor.vector("labels", 1, 0.5)), true, false), "tensors.labels.values", "values[1] = 0.5");
        assertInvalid(() -> KERNEL.compute("orpo", Map.of(), List.of(
                HostTensor.vector("policy_chosen_avg_logps", -0.5, 0.0), HostTensor.vector("policy_rejected_avg_logps",
                        -1, -1), HostTensor.scalar("nll_loss", 1.0)), true, false),
                "tensors.policy_chosen_avg_logps.values", "values[1] = 0.0; must be < 0");
        assertInvalid(() -> KERNEL.compute("dpo", params("loss_type", "sigmoid_norm"), withLengths(-1), true, false),
                "tensors.chosen_lengths.values", "must be >= 0");
    }

    private static List<HostTensor> withLengths(double firstChosenLength) {
        List<HostTensor> batch = dpoBatch();
        batch.add(HostTensor.vector("chosen_lengths", firstChosenLength, 4, 6));
        batch.add(HostTensor.vector("rejected_lengths", 6, 3, 5));
        return batch;
    }

    private static List<HostTensor> ppoBatch() {
        double[][] lp = {{-1.0, -0.7}, {-2.0, -1.2}};
        return new ArrayList<>(List.of(HostTensor.matrix("logps", lp), HostTensor.matrix("old_logps", lp),
                HostTensor.matrix("values", new double[][] {{0.5, 0.6}, {0.2, 0.1}}),
                HostTensor.matrix("value_preds", new double[][] {{0.55, 0.6}, {0.2, 0.15}}),
                HostTensor.matrix("token_rewards", new double[][] {{0, 1}, {0, -1}})));
    }

    static void assertInvalid(ThrowingCallable call, String field, String messagePart) {
        assertThatThrownBy(call).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(field))
                .hasMessageContaining(messagePart);
    }
}
