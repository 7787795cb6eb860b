package dev.plumbline.engine.loss.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.engine.loss.HostTensor;
import dev.plumbline.engine.loss.LossKernel;
import dev.plumbline.engine.loss.LossResult;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Gradients that must not depend on garbage-collection timing. A loss whose autograd graph keeps a
 * tensor backed by a Java buffer nobody references (DJL's {@code x.mul(2.0)}: see
 * {@code dev.plumbline.spi.loss.Scalars}) computes right gradients unless a GC frees that buffer
 * between forward and backward; {@link LossKernel#GC_BEFORE_BACKWARD_PROPERTY} forces exactly that.
 */
public final class ForcedGc {

    private ForcedGc() {
    }

    /** Runs {@code action} with the kernel's GC-before-backward switch set to {@code on}, then restores it. */
    public static synchronized <T> T with(boolean on, Supplier<T> action) {
        String previous = System.getProperty(LossKernel.GC_BEFORE_BACKWARD_PROPERTY);
        System.setProperty(LossKernel.GC_BEFORE_BACKWARD_PROPERTY, Boolean.toString(on));
        try {
            return action.get();
        } finally {
            if (previous == null) {
                System.clearProperty(LossKernel.GC_BEFORE_BACKWARD_PROPERTY);
            } else {
                System.setProperty(LossKernel.GC_BEFORE_BACKWARD_PROPERTY, previous);
            }
        }
    }

    /**
     * Computes the loss with gradients twice, once as usual and once with a forced GC between forward
     * and backward, asserts that loss and gradients are identical bit for bit, and returns the result
     * computed under the forced GC.
     */
    public static LossResult computeWithGradients(LossKernel kernel, String algorithm, Map<String, Object> parameters,
            List<HostTensor> tensors, boolean float64) {
        LossResult plain = with(false, () -> kernel.compute(algorithm, parameters, tensors, float64, true));
        LossResult collected = with(true, () -> kernel.compute(algorithm, parameters, tensors, float64, true));
        assertSameGradients(algorithm, plain, collected);
        return collected;
    }

    /** {@code collected}'s loss and gradients equal {@code plain}'s bit for bit. */
    public static void assertSameGradients(String what, LossResult plain, LossResult collected) {
        assertThat(collected.loss()).as("%s: loss with a GC before backward", what).isEqualTo(plain.loss());
        assertThat(collected.gradients()).extracting(HostTensor::name).as("%s: gradients", what)
                .containsExactlyElementsOf(plain.gradients().stream().map(HostTensor::name).toList());
        for (int i = 0; i < plain.gradients().size(); i++) {
            HostTensor expected = plain.gradients().get(i);
            HostTensor actual = collected.gradients().get(i);
            assertThat(Arrays.equals(actual.values(), expected.values()))
                    .as("%s: gradient of %s with a GC between forward and backward %s, without %s", what,
                            expected.name(), Arrays.toString(actual.values()), Arrays.toString(expected.values()))
                    .isTrue();
        }
    }
}
