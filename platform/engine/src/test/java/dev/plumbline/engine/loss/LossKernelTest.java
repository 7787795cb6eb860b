package dev.plumbline.engine.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.loss.testing.GradientCheck;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class LossKernelTest {

    private static final LossKernel KERNEL = new LossKernel(PluginRegistry.of(List.of(new ToyLogisticAlgorithm())));
    private static final double[] X = {0.5, -1.0, 2.0};
    private static final double[] Y = {0.0, 0.5, 1.5};

    private static List<HostTensor> basic() {
        return List.of(HostTensor.vector("x", X), HostTensor.vector("y", Y));
    }

    @Test
    void computesLossMetricsOutputsAndGradientsInFloat64() {
        double beta = 2.0;
        LossResult r = KERNEL.compute("toy-logistic", Map.of("beta", beta), basic(), true, true);
        double expectedLoss = 0;
        double[] expectedGradient = new double[X.length];
        for (int i = 0; i < X.length; i++) {
            double m = beta * (X[i] - Y[i]);
            expectedLoss += Math.log1p(Math.exp(-m)) / X.length;
            expectedGradient[i] = -beta / (1 + Math.exp(m)) / X.length;
        }
        assertThat(r.loss()).isCloseTo(expectedLoss, within(1e-14));
        assertThat(r.gradients()).extracting(HostTensor::name).containsExactly("x");
        assertThat(r.gradient("x").orElseThrow().shape()).containsExactly(3);
        double[] g = r.gradient("x").orElseThrow().values();
        for (int i = 0; i < g.length; i++) {
            assertThat(g[i]).isCloseTo(expectedGradient[i], within(1e-14));
        }
        assertThat(r.metrics()).containsOnlyKeys("mean_x", "z_last");
        assertThat(r.metrics().keySet()).containsExactly("mean_x", "z_last");
        assertThat(r.metrics().get("mean_x")).isCloseTo(0.5, within(1e-15));
        assertThat(r.outputs()).extracting(HostTensor::name).containsExactly("margin", "per_sample");
        assertThat(r.output("margin").orElseThrow().values()).containsExactly(1.0, -3.0, 1.0);
    }

    @Test
    void returnsGradientsOnlyForSuppliedDifferentiableInputsAndOnlyWhenAsked() {
        List<HostTensor> all = List.of(HostTensor.vector("x", X), HostTensor.vector("y", Y),
                HostTensor.matrix("w", new double[][] {{1, 2}, {3, 4}, {5, 6}}), HostTensor.scalar("c", 3.0));
        LossResult with = KERNEL.compute("toy-logistic", Map.of(), all, true, true);
        assertThat(with.gradients()).extracting(HostTensor::name).containsExactly("x", "w", "c");
        assertThat(with.gradient("w").orElseThrow().shape()).containsExactly(3, 2);
        double[] gw = with.gradient("w").orElseThrow().values();
        for (int i = 0; i < gw.length; i++) {
            assertThat(gw[i]).isCloseTo(2 * (i + 1) / 6.0, within(1e-15));
        }
        assertThat(with.gradient("c").orElseThrow().shape()).isEmpty();
        assertThat(with.gradient("c").orElseThrow().values()).containsExactly(6.0);

        LossResult without = KERNEL.compute("toy-logistic", Map.of(), all, true, false);
        assertThat(without.gradients()).isEmpty();
        assertThat(without.loss()).isEqualTo(with.loss());
    }

    @Test
    void aLossIndependentOfTheInputsHasZeroGradients() {
        dev.plumbline.spi.Algorithm constant = new ToyLogisticAlgorithm() {
            @Override
            public String id() {
                return "toy-constant";
            }

            @Override
            public dev.plumbline.spi.LossOutput loss(dev.plumbline.spi.LossInput input) {
                return new dev.plumbline.spi.LossOutput(input.tensor("y").sum(), Map.of(), Map.of());
            }
        };
        LossKernel kernel = new LossKernel(PluginRegistry.of(List.of(constant)));
        LossResult r = kernel.compute("toy-constant", Map.of(), basic(), true, true);
        assertThat(r.loss()).isEqualTo(2.0);
        assertThat(r.gradient("x").orElseThrow().values()).containsExactly(0.0, 0.0, 0.0);
    }

    @Test
    void gradientsAgreeWithFiniteDifferences() {
        List<HostTensor> all = List.of(HostTensor.vector("x", X), HostTensor.vector("y", Y),
                HostTensor.matrix("w", new double[][] {{1, -2}, {0.3, 4}, {5, 6}}), HostTensor.scalar("c", -0.7));
        GradientCheck.Report report = GradientCheck.assertGradients(KERNEL, "toy-logistic", Map.of("beta", 1.5), all,
                List.of("x", "w", "c"));
        assertThat(report.elementsChecked()).isEqualTo(3 + 6 + 1);
    }

    @Test
    void float32ComputesInSinglePrecision() {
        LossResult f64 = KERNEL.compute("toy-logistic", Map.of(), basic(), true, true);
        LossResult f32 = KERNEL.compute("toy-logistic", Map.of(), basic(), false, true);
        assertThat(f32.loss()).isCloseTo(f64.loss(), within(1e-6));
        assertThat(f32.loss()).isNotEqualTo(f64.loss());
        assertThat((double) (float) f32.loss()).isEqualTo(f32.loss());
        assertThat(f32.gradient("x").orElseThrow().values()[0])
                .isCloseTo(f64.gradient("x").orElseThrow().values()[0], within(1e-6));
    }

    @Test
    void concurrentCallsGiveTheSameResults() throws Exception {
        LossResult reference = KERNEL.compute("toy-logistic", Map.of("beta", 0.7), basic(), true, true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<LossResult>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                boolean gradients = i % 2 == 0;
                futures.add(pool.submit(() -> KERNEL.compute("toy-logistic", Map.of("beta", 0.7), basic(), true,
                        gradients)));
            }
            for (int i = 0; i < futures.size(); i++) {
                LossResult r = futures.get(i).get();
                assertThat(r.loss()).isEqualTo(reference.loss());
                if (i % 2 == 0) {
                    assertThat(r.gradients()).isEqualTo(reference.gradients());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------ client mistakes, each with its field path

    @Test
    void unknownAlgorithm() {
        assertInvalid(() -> KERNEL.compute("nope", Map.of(), basic(), true, false), "algorithm", "unknown algorithm");
    }

    @Test
    void unknownParameter() {
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of("gamma", 1.0), basic(), true, false),
                "parameters.gamma", "unknown parameter");
    }

    @Test
    void parameterOutOfRangeOrWrongType() {
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of("beta", 11.0), basic(), true, false),
                "parameters.beta", "<= 10");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of("beta", "high"), basic(), true, false),
                "parameters.beta", "expected a number");
    }

    @Test
    void pluginSpecificCheckKeepsItsFieldPath() {
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of("group", 2L), basic(), true, true),
                "parameters.group", "does not divide");
    }

    @Test
    void emptyOrNullTensorList() {
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(), List.of(), true, false), "tensors",
                "no tensors given");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(), null, true, false), "tensors", "no tensors given");
    }

    @Test
    void emptyBatch() {
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x"), HostTensor.vector("y")), true, true), "tensors", "empty batch");
    }

    @Test
    void unknownDuplicateAndNamelessTensors() {
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", X), HostTensor.vector("y", Y), HostTensor.vector("z", Y)), true, false),
                "tensors.z", "unknown tensor");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", X), HostTensor.vector("y", Y), HostTensor.vector("x", X)), true, false),
                "tensors.x", "more than once");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", X), new HostTensor(null, new long[] {3}, Y)), true, false),
                "tensors", "no name");
        List<HostTensor> withNull = new ArrayList<>(basic());
        withNull.add(null);
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(), withNull, true, false), "tensors", "is null");
    }

    @Test
    void missingRequiredTensor() {
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(), List.of(HostTensor.vector("x", X)), true, false),
                "tensors.y", "required tensor is missing");
    }

    @Test
    void valueCountShapeAndRankMistakes() {
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", X), HostTensor.of("y", new double[] {1, 2}, 3)), true, false),
                "tensors.y.values", "expected 3 values");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", X), HostTensor.of("y", Y, 3, 1)), true, false),
                "tensors.y.shape", "expected rank 1");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", X), new HostTensor("y", null, Y)), true, false),
                "tensors.y.shape", "missing");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", X), new HostTensor("y", new long[] {3}, null)), true, false),
                "tensors.y.values", "missing");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", X), HostTensor.of("y", Y, -3)), true, false),
                "tensors.y.shape", "negative");
    }

    @Test
    void symbolicDimensionsMustAgreeAcrossTensors() {
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", X), HostTensor.vector("y", 1, 2, 3, 4)), true, false),
                "tensors.y.shape", "dimension B (axis 0 of [B]): expected 3 as bound by tensors.x, got 4");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(), List.of(HostTensor.vector("x", X),
                HostTensor.vector("y", Y), HostTensor.matrix("w", new double[][] {{1}, {2}})), true, false),
                "tensors.w.shape", "expected 3 as bound by tensors.x, got 2");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(), List.of(HostTensor.vector("x", X),
                HostTensor.vector("y", Y), HostTensor.of("pair", new double[9], 3, 3)), true, false),
                "tensors.pair.shape", "axis 0: expected 2, got 3");
    }

    @Test
    void nonFiniteValuesNameTheIndex() {
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", 0.1, Double.NaN, 0.3), HostTensor.vector("y", Y)), true, false),
                "tensors.x.values", "values[1] is NaN");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", X), HostTensor.vector("y", 0, 0, Double.NEGATIVE_INFINITY)), true, false),
                "tensors.y.values", "values[2] is -Infinity");
        assertInvalid(() -> KERNEL.compute("toy-logistic", Map.of(),
                List.of(HostTensor.vector("x", 1e300, 0, 0), HostTensor.vector("y", Y)), false, false),
                "tensors.x.values", "overflows float32");
    }

    static void assertInvalid(ThrowingCallable call, String field, String messagePart) {
        assertThatThrownBy(call).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(field))
                .hasMessageContaining(messagePart);
    }

    @Test
    void hostTensorEqualityUsesContents() {
        assertThat(HostTensor.vector("a", 1, 2)).isEqualTo(HostTensor.of("a", new double[] {1, 2}, 2));
        assertThat(HostTensor.vector("a", 1, 2)).isNotEqualTo(HostTensor.vector("a", 1, 3));
        assertThat(Arrays.toString(HostTensor.matrix("m", new double[][] {{1, 2}}).shape())).isEqualTo("[1, 2]");
    }
}
