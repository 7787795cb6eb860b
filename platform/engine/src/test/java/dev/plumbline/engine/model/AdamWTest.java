package dev.plumbline.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.plumbline.engine.model.train.AdamW;
import dev.plumbline.engine.model.train.Autograd;
import dev.plumbline.engine.model.train.LearningRateSchedule;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {

    /** torch.optim.AdamW's update written out in doubles, for comparison. */
    static double[] reference(double[] p, double[][] grads, double[] lrs, double b1, double b2, double eps, double wd,
            boolean decay) {
        double[] w = p.clone();
        double[] m = new double[p.length];
        double[] v = new double[p.length];
        for (int t = 1; t <= grads.length; t++) {
            double lr = lrs[t - 1];
            for (int i = 0; i < w.length; i++) {
                double g = grads[t - 1][i];
                if (decay) {
                    w[i] *= 1 - lr * wd;
                }
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                w[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / denom;
            }
        }
        return w;
    }

    @Test
    void matchesTorchAdamWWithDecoupledDecayOnlyWhereAsked() {
        double[] init = {0.5, -1.25, 2.0, 0.0};
        double[][] coefficients = {{1.0, -2.0, 0.5, 3.0}, {0.25, 1.0, -1.5, 0.1}, {-0.7, 0.3, 0.9, -2.2}};
        double[] lrs = {0.1, 0.05, 0.02};
        try (NDManager m = ModelEngine.newManager()) {
            NDArray decayed = m.create(toFloats(init));
            NDArray plain = m.create(toFloats(init));
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("decayed", decayed);
            params.put("plain", plain);
            decayed.setRequiresGradient(true);
            plain.setRequiresGradient(true);
            try (AdamW adam = new AdamW(params, 0.9, 0.95, 1e-6, 0.1, "decayed"::equals, m)) {
                for (int t = 0; t < 3; t++) {
                    // d/dp sum(c * p) = c: known gradients through real autograd.
                    try (NDManager step = m.newSubManager(); GradientCollector gc = Autograd.collector()) {
                        NDArray c = step.create(toFloats(coefficients[t]));
                        gc.backward(c.mul(decayed).sum().add(c.mul(plain).sum()));
                    }
                    adam.step(lrs[t]);
                }
            }
            assertThat(toDoubles(decayed.toFloatArray()))
                    .containsExactly(reference(init, coefficients, lrs, 0.9, 0.95, 1e-6, 0.1, true), offset(1e-6));
            assertThat(toDoubles(plain.toFloatArray()))
                    .containsExactly(reference(init, coefficients, lrs, 0.9, 0.95, 1e-6, 0.1, false), offset(1e-6));
        }
    }

    @Test
    void clippingScalesToTheMaxGlobalNormAndReportsTheNormBefore() {
        try (NDManager m = ModelEngine.newManager()) {
            NDArray a = m.create(new float[] {1, 1});
            NDArray b = m.create(new float[] {1});
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            try (AdamW adam = new AdamW(Map.of("a", a, "b", b), 0.9, 0.999, 1e-8, 0, n -> true, m)) {
                try (NDManager step = m.newSubManager(); GradientCollector gc = Autograd.collector()) {
                    // gradients (3, 4) and (12): global norm 13
                    gc.backward(a.mul(step.create(new float[] {3, 4})).sum().add(b.mul(12f).sum()));
                }
                assertThat(adam.clipGradients(1.0)).isCloseTo(13.0, offset(1e-5));
                assertThat(adam.clipGradients(0)).isCloseTo(1.0, offset(1e-5));
                assertThat(a.getGradient().toFloatArray()).containsExactly(new float[] {3 / 13f, 4 / 13f}, offset(1e-6f));
                adam.zeroGradients();
                assertThat(adam.clipGradients(0)).isZero();
            }
        }
    }

    @Test
    void scheduleWarmsUpThenFollowsTransformersCosineAndLinear() {
        LearningRateSchedule cosine = new LearningRateSchedule("cosine", 1.0, 10, 110);
        assertThat(cosine.at(0)).isZero();
        assertThat(cosine.at(5)).isEqualTo(0.5);
        assertThat(cosine.at(10)).isEqualTo(1.0);
        assertThat(cosine.at(60)).isCloseTo(0.5, offset(1e-12));
        assertThat(cosine.at(110)).isCloseTo(0.0, offset(1e-12));
        LearningRateSchedule linear = new LearningRateSchedule("linear", 2.0, 0, 100);
        assertThat(linear.at(25)).isCloseTo(1.5, offset(1e-12));
        assertThat(new LearningRateSchedule("constant", 3.0, 2, 9).at(1)).isEqualTo(1.5);
        assertThat(new LearningRateSchedule("constant", 3.0, 2, 9).at(8)).isEqualTo(3.0);
    }

    static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
