package dev.plumbline.server.runpage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Curve geometry and labels of the run page, without the server. */
class RunPageViewTest {

    private static NavigableMap<Long, Double> series(double... values) {
        NavigableMap<Long, Double> m = new TreeMap<>();
        for (int i = 0; i < values.length; i++) {
            m.put((long) (i + 1) * 10, values[i]);
        }
        return m;
    }

    @Test
    void aCurveSpansThePlotAreaWithOnePointPerStep() {
        RunPageView.Curve c = RunPageView.curve("c", "loss", series(0.7, 0.5, 0.6, 0.3));
        assertThat(c.pointCount()).isEqualTo(4);
        assertThat(c.points()).isEqualTo("64.0,14.0 158.7,89.0 253.3,51.5 348.0,164.0");
        assertThat(c.xTicks()).extracting(RunPageView.Tick::label).containsExactly("10", "25", "40");
        assertThat(c.yTicks()).extracting(RunPageView.Tick::label).containsExactly("0.7", "0.5", "0.3");
        assertThat(c.lastValue()).isEqualTo("0.3");
        assertThat(c.description()).contains("4 logged steps", "10–40");
    }

    @Test
    void aFlatOrSinglePointCurveIsCentredAndPadded() {
        RunPageView.Curve flat = RunPageView.curve("c", "rewards/accuracies", series(0, 0, 0));
        assertThat(flat.points()).isEqualTo("64.0,89.0 206.0,89.0 348.0,89.0");
        RunPageView.Curve one = RunPageView.curve("c", "kl", series(2.5));
        assertThat(one.points()).isEqualTo("206.0,89.0");
        assertThat(one.xTicks()).hasSize(1);
    }

    @Test
    void curvesComeInAFixedOrderWithoutEpoch() {
        Map<String, NavigableMap<Long, Double>> s = new LinkedHashMap<>();
        for (String name : List.of("zeta", "epoch", "grad_norm", "loss", "alpha", "rewards/margins")) {
            s.put(name, series(1, 2));
        }
        assertThat(RunPageView.curves(s)).extracting(RunPageView.Curve::metric)
                .containsExactly("loss", "rewards/margins", "grad_norm", "alpha", "zeta");
    }

    @Test
    void labelsAreCompact() {
        assertThat(RunPageView.label(0)).isEqualTo("0");
        assertThat(RunPageView.label(0.69314)).isEqualTo("0.6931");
        assertThat(RunPageView.label(100)).isEqualTo("100");
        assertThat(RunPageView.label(2e-4)).isEqualTo("2e-04");
        assertThat(RunPageView.label(-1.25e-6)).isEqualTo("-1.25e-06");
        assertThat(RunPageView.label(123456)).isEqualTo("1.235e+05");
    }
}
