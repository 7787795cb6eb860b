package dev.plumbline.engine.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RocAucTest {

    @Test
    void smallExampleMatchesPairCounting() {
        // Positives 0.35, 0.8; negatives 0.1, 0.4: 3 of 4 (pos, neg) pairs ordered correctly → 0.75.
        RocAuc.Result r = RocAuc.measure(new double[] {0.1, 0.4, 0.35, 0.8},
                new boolean[] {false, false, true, true}, 0.95);
        assertThat(r.auc()).isCloseTo(0.75, within(1e-12));
        // Hanley–McNeil: q1 = 0.6, q2 = 0.642857, var = (0.1875 + 0.0375 + 0.080357) / 4 → SE 0.276296.
        assertThat(r.standardError()).isCloseTo(0.2762956, within(1e-6));
        assertThat(r.positives()).isEqualTo(2);
        assertThat(r.negatives()).isEqualTo(2);
    }

    @Test
    void tiesCountOneHalf() {
        assertThat(RocAuc.auc(new double[] {0.5, 0.5}, new boolean[] {true, false})).isCloseTo(0.5, within(1e-12));
        assertThat(RocAuc.auc(new double[] {0.9, 0.5, 0.5}, new boolean[] {true, true, false}))
                .isCloseTo(0.75, within(1e-12));
    }

    @Test
    void perfectAndInvertedRankings() {
        assertThat(RocAuc.auc(new double[] {1, 2, 3, 4}, new boolean[] {false, false, true, true})).isEqualTo(1.0);
        assertThat(RocAuc.auc(new double[] {4, 3, 2, 1}, new boolean[] {false, false, true, true})).isEqualTo(0.0);
    }

    @Test
    void needsBothClassesAndFiniteScores() {
        assertThatThrownBy(() -> RocAuc.auc(new double[] {1, 2}, new boolean[] {true, true}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both classes");
        assertThatThrownBy(() -> RocAuc.auc(new double[] {Double.NaN, 2}, new boolean[] {true, false}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scores[0]");
    }
}
