package dev.plumbline.engine.loss.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.loss.LossResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks the autograd gradients a {@link LossKernel} returns against central finite differences
 * in float64: {@code (L(x + h) - L(x - h)) / 2h} per element of every differentiable input. Choose
 * inputs away from kinks (clip boundaries, ties of max/min, relu at 0), where a one-sided
 * derivative is as right as the other. The analytic gradients are computed with a garbage
 * collection forced between forward and backward ({@link ForcedGc}), so a loss that only works
 * while the GC stays away fails here.
 */
public final class GradientCheck {

    /** Relative step: {@code h = STEP * max(1, |x|)}. */
    private static final double STEP = 1e-5;
    private static final double RELATIVE_TOLERANCE = 1e-6;

    private GradientCheck() {
    }

    /** What was compared, for reporting. */
    public record Report(int elementsChecked, double maxAbsoluteError, double maxAbsGradient) {
    }

    /**
     * Asserts that the kernel returns gradients for exactly {@code expectedDifferentiable} (in
     * input order) and that each element matches its finite difference; at least one gradient
     * element must be non-zero so that the check cannot pass vacuously.
     */
    public static Report assertGradients(LossKernel kernel, String algorithm, Map<String, Object> parameters,
            List<HostTensor> tensors, List<String> expectedDifferentiable) {
        // Under a forced GC between forward and backward, and bit-identical to a run without it.
        LossResult analytic = ForcedGc.computeWithGradients(kernel, algorithm, parameters, tensors, true);
        assertThat(analytic.gradients()).extracting(HostTensor::name)
                .as("%s: gradients returned", algorithm)
                .containsExactlyElementsOf(expectedDifferentiable);
        int checked = 0;
        double maxError = 0;
        double maxGradient = 0;
        for (HostTensor gradient : analytic.gradients()) {
            int index = indexOf(tensors, gradient.name());
            HostTensor input = tensors.get(index);
            assertThat(gradient.shape()).as("%s: gradient shape of %s", algorithm, input.name())
                    .containsExactly(input.shape());
            for (int i = 0; i < input.values().length; i++) {
                double x = input.values()[i];
                double h = STEP * Math.max(1.0, Math.abs(x));
                double plus = lossWith(kernel, algorithm, parameters, tensors, index, i, x + h);
                double minus = lossWith(kernel, algorithm, parameters, tensors, index, i, x - h);
                double numeric = (plus - minus) / (2 * h);
                double exact = gradient.values()[i];
                // Rounding of the two losses dominates the finite-difference error for large losses.
                double rounding = 8 * Math.ulp(Math.max(Math.abs(plus), Math.abs(minus))) / h;
                double allowed = RELATIVE_TOLERANCE * Math.max(1.0, Math.max(Math.abs(exact), Math.abs(numeric)))
                        + rounding;
                double error = Math.abs(exact - numeric);
                assertThat(error)
                        .as("%s: d loss / d %s[%d]: autograd %s, finite difference %s", algorithm, input.name(), i,
                                exact, numeric)
                        .isLessThanOrEqualTo(allowed);
                maxError = Math.max(maxError, error);
                maxGradient = Math.max(maxGradient, Math.abs(exact));
                checked++;
            }
        }
        assertThat(maxGradient).as("%s: some gradient element must be non-zero", algorithm).isGreaterThan(0.0);
        return new Report(checked, maxError, maxGradient);
    }

    private static double lossWith(LossKernel kernel, String algorithm, Map<String, Object> parameters,
            List<HostTensor> tensors, int tensorIndex, int element, double value) {
        List<HostTensor> perturbed = new ArrayList<>(tensors);
        double[] values = tensors.get(tensorIndex).values().clone();
        values[element] = value;
        perturbed.set(tensorIndex, tensors.get(tensorIndex).withValues(values));
        return kernel.compute(algorithm, parameters, perturbed, true, false).loss();
    }

    private static int indexOf(List<HostTensor> tensors, String name) {
        for (int i = 0; i < tensors.size(); i++) {
            if (tensors.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("gradient for a tensor that was not supplied: " + name);
    }
}
