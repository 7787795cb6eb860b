package dev.plumbline.engine.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgreementTest {

    /** Expands a matrix of counts into paired label lists. */
    private static List<List<String>> pairs(List<String> labels, long[][] counts) {
        List<String> gold = new ArrayList<>();
        List<String> predicted = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            for (int j = 0; j < counts[i].length; j++) {
                for (long k = 0; k < counts[i][j]; k++) {
                    gold.add(labels.get(i));
                    predicted.add(labels.get(j));
                }
            }
        }
        return List.of(gold, predicted);
    }

    @Test
    void twoByTwoMatchesHandComputedValues() {
        // [[20, 5], [10, 15]]: po = 35/50 = 0.7, pe = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4,
        // SE = sqrt(0.7*0.3 / (50*0.25)) = 0.129615; Wilson(35/50) = [0.562496, 0.808964].
        List<List<String>> p = pairs(List.of("refusal", "compliance"), new long[][] {{20, 5}, {10, 15}});
        AgreementReport r = Agreement.measure(p.get(0), p.get(1));
        assertThat(r.n()).isEqualTo(50);
        assertThat(r.agreements()).isEqualTo(35);
        assertThat(r.accuracy()).isCloseTo(0.7, within(1e-12));
        assertThat(r.expectedAgreement()).isCloseTo(0.5, within(1e-12));
        assertThat(r.kappa()).isCloseTo(0.4, within(1e-12));
        assertThat(r.kappaStandardError()).isCloseTo(0.1296148, within(1e-6));
        assertThat(r.kappaInterval().lower()).isCloseTo(0.1459596, within(1e-6));
        assertThat(r.kappaInterval().upper()).isCloseTo(0.6540404, within(1e-6));
        assertThat(r.accuracyInterval().lower()).isCloseTo(0.5624965, within(1e-6));
        assertThat(r.accuracyInterval().upper()).isCloseTo(0.8089645, within(1e-6));
        assertThat(r.matrix().count("refusal", "compliance")).isEqualTo(5);
        assertThat(r.matrix().count("compliance", "refusal")).isEqualTo(10);
    }

    @Test
    void threeClassKappaMatchesHandComputedValue() {
        // n=30, po = 22/30, row margins (.4,.4,.2), column margins (11,12,7)/30 → pe = 0.353333,
        // kappa = (0.733333 - 0.353333) / 0.646667 = 0.587629, SE = 0.124852.
        List<String> labels = List.of("a", "b", "c");
        List<List<String>> p = pairs(labels, new long[][] {{10, 2, 0}, {1, 8, 3}, {0, 2, 4}});
        AgreementReport r = Agreement.measure(labels, p.get(0), p.get(1));
        assertThat(r.accuracy()).isCloseTo(22.0 / 30, within(1e-12));
        assertThat(r.expectedAgreement()).isCloseTo(0.3533333, within(1e-6));
        assertThat(r.kappa()).isCloseTo(0.5876289, within(1e-6));
        assertThat(r.kappaStandardError()).isCloseTo(0.1248516, within(1e-6));
    }

    @Test
    void perfectAndChanceAgreement() {
        AgreementReport perfect = Agreement.measure(List.of("x", "y", "x", "y"), List.of("x", "y", "x", "y"));
        assertThat(perfect.kappa()).isEqualTo(1.0);
        assertThat(perfect.kappaStandardError()).isEqualTo(0.0);
        // Predictions independent of gold: po = pe = 0.5 → kappa 0.
        AgreementReport chance = Agreement.measure(List.of("x", "x", "y", "y"), List.of("x", "y", "x", "y"));
        assertThat(chance.kappa()).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void kappaIsUndefinedWhenBothRatersUseOneLabel() {
        AgreementReport r = Agreement.measure(List.of("x", "x"), List.of("x", "x"));
        assertThat(r.accuracy()).isEqualTo(1.0);
        assertThat(r.kappa()).isNaN();
    }

    @Test
    void precisionRecallF1AndCollapse() {
        ConfusionMatrix m = new ConfusionMatrix(List.of("full", "partial", "comply"),
                new long[][] {{8, 1, 1}, {2, 1, 2}, {1, 0, 9}});
        assertThat(m.precision("full")).isCloseTo(8.0 / 11, within(1e-12));
        assertThat(m.recall("full")).isCloseTo(0.8, within(1e-12));
        assertThat(m.f1("full")).isCloseTo(2 * (8.0 / 11) * 0.8 / (8.0 / 11 + 0.8), within(1e-12));
        ConfusionMatrix binary = m.collapse(Map.of("full", "refusal", "partial", "refusal"));
        assertThat(binary.labels()).containsExactly("refusal", "comply");
        assertThat(binary.counts()).isDeepEqualTo(new long[][] {{12, 3}, {1, 9}});
        assertThat(binary.total()).isEqualTo(m.total());
    }

    @Test
    void unlistedPredictedLabelsGetTheirOwnColumn() {
        ConfusionMatrix m = ConfusionMatrix.of(List.of("a", "b"), List.of("a", "b"), List.of("a", "zzz"));
        assertThat(m.labels()).containsExactly("a", "b", "zzz");
        assertThat(m.count("b", "zzz")).isEqualTo(1);
        assertThat(m.toTable()).contains("zzz");
    }

    @Test
    void badInputIsRejected() {
        assertThatThrownBy(() -> Agreement.measure(List.of("a"), List.of("a", "b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 labels");
        assertThatThrownBy(() -> Agreement.measure(List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no labelled pairs");
        assertThatThrownBy(() -> Agreement.measure(ConfusionMatrix.of(List.of("a"), List.of("a")), 1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("level");
    }

    @Test
    void wilsonIntervalForAllSuccessesStaysBelowOne() {
        Interval ci = Agreement.wilson(10, 10, 0.95);
        // Wilson(10/10): lower = 1 / (1 + z^2/10) = 0.722467.
        assertThat(ci.lower()).isCloseTo(0.7224672, within(1e-6));
        assertThat(ci.upper()).isCloseTo(1.0, within(1e-12));
    }
}
