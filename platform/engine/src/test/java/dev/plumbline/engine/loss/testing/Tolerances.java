package dev.plumbline.engine.loss.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

/**
 * The tolerance of {@code loss-vectors.json}: {@code |actual - expected| <= 1e-8 * max(1, |expected|)}
 * (the JSON carries 10 decimals).
 */
public final class Tolerances {

    public static final double VECTOR_RELATIVE = 1e-8;

    private Tolerances() {
    }

    public static double allowed(double expected) {
        return VECTOR_RELATIVE * Math.max(1.0, Math.abs(expected));
    }

    public static void assertClose(String what, double actual, double expected) {
        assertThat(Math.abs(actual - expected))
                .as("%s: actual %s, expected %s", what, actual, expected)
                .isLessThanOrEqualTo(allowed(expected));
    }

    public static void assertClose(String what, double[] actual, double[] expected) {
        assertThat(actual).as("%s: length", what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertClose(what + "[" + i + "]", actual[i], expected[i]);
        }
    }

    /** Every expected metric is present and close; extra actual metrics are allowed. */
    public static void assertMetrics(String what, Map<String, Double> actual, Map<String, Double> expected) {
        for (Map.Entry<String, Double> e : expected.entrySet()) {
            assertThat(actual).as("%s: metric %s present (have %s)", what, e.getKey(), actual.keySet())
                    .containsKey(e.getKey());
            assertClose(what + " metric " + e.getKey(), actual.get(e.getKey()), e.getValue());
        }
    }
}
