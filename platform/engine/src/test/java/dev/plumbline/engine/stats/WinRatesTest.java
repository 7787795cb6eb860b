package dev.plumbline.engine.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WinRatesTest {

    private static void repeat(List<Battle> out, int times, Battle b) {
        for (int i = 0; i < times; i++) {
            out.add(b);
        }
    }

    @Test
    void matrixCountsBothSidesAndTiesAsHalf() {
        List<Battle> battles = new ArrayList<>();
        repeat(battles, 2, new Battle("a", "b", 1)); // a wins as A
        repeat(battles, 1, new Battle("b", "a", 0)); // a wins as B
        repeat(battles, 1, new Battle("b", "a", 1)); // b wins
        repeat(battles, 2, new Battle("a", "b", 0.5));
        battles.add(new Battle("a", "c", 0.25, 4)); // soft outcome, weight 4
        WinRates.Matrix m = WinRates.matrix(battles);
        assertThat(m.models()).containsExactly("a", "b", "c");
        assertThat(m.winRate("a", "b")).isCloseTo(4.0 / 6, within(1e-12));
        assertThat(m.winRate("b", "a")).isCloseTo(2.0 / 6, within(1e-12));
        assertThat(m.battles("a", "b")).isEqualTo(6);
        assertThat(m.battles("b", "a")).isEqualTo(6);
        assertThat(m.winRate("c", "a")).isCloseTo(0.75, within(1e-12));
        assertThat(m.battles("a", "c")).isEqualTo(4);
        assertThat(m.winRate("b", "c")).isNaN();
        assertThat(m.winRate("a", "a")).isNaN();
    }

    @Test
    void adjustedWinRateRanksTiesFairly() {
        // FastChat #1886: 40 W / 60 L must not outrank 33 W / 34 T / 33 L.
        List<Battle> battles = new ArrayList<>();
        repeat(battles, 40, new Battle("x", "gpt-3.5-turbo", 1));
        repeat(battles, 60, new Battle("gpt-3.5-turbo", "x", 1)); // baseline on side A
        repeat(battles, 33, new Battle("y", "gpt-3.5-turbo", 1));
        repeat(battles, 34, new Battle("gpt-3.5-turbo", "y", 0.5));
        repeat(battles, 33, new Battle("y", "gpt-3.5-turbo", 0));
        repeat(battles, 5, new Battle("x", "y", 1)); // ignored in pairwise-baseline mode

        List<WinRates.Summary> rows = WinRates.versusBaseline(battles, "gpt-3.5-turbo");
        assertThat(rows).extracting(WinRates.Summary::model).containsExactly("y", "x");
        WinRates.Summary y = rows.get(0);
        assertThat(y.wins()).isEqualTo(33);
        assertThat(y.ties()).isEqualTo(34);
        assertThat(y.losses()).isEqualTo(33);
        assertThat(y.winRate()).isCloseTo(0.33, within(1e-12));
        assertThat(y.lossRate()).isCloseTo(0.33, within(1e-12));
        assertThat(y.winRateAdjusted()).isCloseTo(0.5, within(1e-12));
        WinRates.Summary x = rows.get(1);
        assertThat(x.winRate()).isCloseTo(0.4, within(1e-12));
        assertThat(x.winRateAdjusted()).isCloseTo(0.4, within(1e-12));
        assertThat(x.total()).isEqualTo(100);
    }

    @Test
    void pairwiseAllCountsEveryOpponent() {
        List<Battle> battles = List.of(new Battle("a", "b", 1), new Battle("b", "c", 0.5), new Battle("c", "a", 1),
                new Battle("a", "c", 1, 2));
        List<WinRates.Summary> rows = WinRates.pairwiseAll(battles);
        WinRates.Summary a = rows.stream().filter(r -> r.model().equals("a")).findFirst().orElseThrow();
        assertThat(a.wins()).isEqualTo(3); // vs b, and a weight-2 win vs c
        assertThat(a.losses()).isEqualTo(1);
        assertThat(a.winRateAdjusted()).isCloseTo(0.75, within(1e-12));
        WinRates.Summary c = rows.stream().filter(r -> r.model().equals("c")).findFirst().orElseThrow();
        assertThat(c.wins()).isEqualTo(1);
        assertThat(c.ties()).isEqualTo(1);
        assertThat(c.losses()).isEqualTo(2);
        assertThat(rows.get(0).model()).isEqualTo("a");
        assertThatThrownBy(() -> WinRates.pairwiseAll(List.of(new Battle("a", "b", 0.7))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
