package dev.plumbline.engine.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BootstrapTest {

    @Test
    void meanHasBesselStandardErrorAndADeterministicPercentileInterval() {
        double[] v = {1, 2, 3, 4, 5};
        Estimate e = Bootstrap.mean(v, 2000, 7, 0.95);
        assertThat(e.value()).isEqualTo(3.0);
        assertThat(e.n()).isEqualTo(5);
        // s = sqrt(10/4) = 1.5811388, SE = s/sqrt(5) = 0.7071068
        assertThat(e.standardError()).isCloseTo(0.70710678, within(1e-8));
        assertThat(e.interval().level()).isEqualTo(0.95);
        assertThat(e.interval().lower()).isBetween(1.0, 3.0);
        assertThat(e.interval().upper()).isBetween(3.0, 5.0);
        assertThat(Bootstrap.mean(v, 2000, 7, 0.95)).isEqualTo(e);
        double[] many = new SplittableRandom(0).doubles(200).toArray();
        assertThat(Bootstrap.mean(many, 500, 7, 0.95)).isEqualTo(Bootstrap.mean(many, 500, 7, 0.95));
        assertThat(Bootstrap.mean(many, 500, 8, 0.95).interval()).isNotEqualTo(
                Bootstrap.mean(many, 500, 7, 0.95).interval());
    }

    @Test
    void bootstrapIntervalAgreesWithNormalTheoryOnALargeSample() {
        SplittableRandom rng = new SplittableRandom(1);
        double[] v = new double[2000];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextDouble() < 0.3 ? 1 : 0;
        }
        Estimate e = Bootstrap.mean(v, 2000, 3, 0.95);
        double width = e.interval().upper() - e.interval().lower();
        assertThat(width / (2 * 1.959964 * e.standardError())).isCloseTo(1.0, within(0.1));
        assertThat(e.interval().contains(e.value())).isTrue();
    }

    @Test
    void clusteredStandardErrorMatchesHandComputedValue() {
        // S_c = (2, 0, 1), n_c = 2, mean 0.5: Σ(S_c − n_c·m)² = 1 + 1 + 0 = 2; SE = sqrt(2·3/2)/6 = sqrt(3)/6.
        Estimate e = Bootstrap.clusteredMean(new double[] {1, 1, 0, 0, 1, 0},
                new String[] {"a", "a", "b", "b", "c", "c"}, 500, 1, 0.95);
        assertThat(e.value()).isEqualTo(0.5);
        assertThat(e.n()).isEqualTo(6);
        assertThat(e.standardError()).isCloseTo(Math.sqrt(3) / 6, within(1e-12));
        // replicate means are averages of whole clusters: only multiples of 1/6 are possible
        assertThat(e.interval().lower() * 6).isCloseTo(Math.rint(e.interval().lower() * 6), within(1e-9));
    }

    @Test
    void singletonClustersReduceToThePlainMean() {
        double[] v = {0.2, 0.9, 0.4, 0.4, 0.7, 0.1};
        String[] ids = {"1", "2", "3", "4", "5", "6"};
        Estimate clustered = Bootstrap.clusteredMean(v, ids, 0, 1, 0.95);
        Estimate plain = Bootstrap.mean(v, 0, 1, 0.95);
        assertThat(clustered.value()).isCloseTo(plain.value(), within(1e-15));
        assertThat(clustered.standardError()).isCloseTo(plain.standardError(), within(1e-12));
        assertThat(clustered.interval().lower()).isNaN();
    }

    @Test
    void clusteringWidensTheIntervalWhenSamplesOfAPromptAreCorrelated() {
        // 60 prompts × 10 samples; all samples of a prompt share its score: the effective n is 60, not 600.
        SplittableRandom rng = new SplittableRandom(5);
        double[] v = new double[600];
        String[] ids = new String[600];
        for (int p = 0; p < 60; p++) {
            double score = rng.nextDouble();
            for (int k = 0; k < 10; k++) {
                v[p * 10 + k] = score;
                ids[p * 10 + k] = "p" + p;
            }
        }
        Estimate naive = Bootstrap.mean(v, 1000, 2, 0.95);
        Estimate clustered = Bootstrap.clusteredMean(v, ids, 1000, 2, 0.95);
        assertThat(clustered.value()).isCloseTo(naive.value(), within(1e-12));
        // sqrt(10 · 599/600 · 60/59)-ish inflation of the SE
        assertThat(clustered.standardError() / naive.standardError()).isCloseTo(Math.sqrt(10), within(0.1));
        double naiveWidth = naive.interval().upper() - naive.interval().lower();
        double clusteredWidth = clustered.interval().upper() - clustered.interval().lower();
        assertThat(clusteredWidth / naiveWidth).isGreaterThan(2.5);
    }

    @Test
    void macroMeanWeightsGroupsEquallyWithStratifiedError() {
        // g1 = {1,0,1,1}: mean .75, s² = .25; g2 = {0,0}: mean 0, s² = 0. Micro mean = 3/6 = .5.
        double[] v = {1, 0, 1, 1, 0, 0};
        String[] g = {"g1", "g1", "g1", "g1", "g2", "g2"};
        Estimate macro = Bootstrap.macroMean(v, g, 500, 3, 0.95);
        assertThat(macro.value()).isCloseTo(0.375, within(1e-15));
        assertThat(macro.standardError()).isCloseTo(Math.sqrt(0.25 / 4) / 2, within(1e-12)); // 0.125
        assertThat(macro.n()).isEqualTo(6);
        // g2 is constant, so every replicate is (mean of a g1 resample)/2 ∈ {0, .125, .25, .375, .5}
        assertThat(macro.interval().lower()).isGreaterThanOrEqualTo(0.0);
        assertThat(macro.interval().upper()).isLessThanOrEqualTo(0.5);

        Estimate overGroups = Bootstrap.macroMeanOverGroups(v, g, 500, 3, 0.95);
        assertThat(overGroups.value()).isCloseTo(0.375, within(1e-15));
        // sd(.75, 0) / sqrt(2) = 0.5303301 / 1.4142136 = 0.375
        assertThat(overGroups.standardError()).isCloseTo(0.375, within(1e-12));
        assertThat(Bootstrap.mean(v, 0, 0, 0.95).value()).isEqualTo(0.5);
    }

    @Test
    void stratifiedMacroIntervalMatchesItsStandardError() {
        SplittableRandom rng = new SplittableRandom(11);
        int[] sizes = {50, 400, 1200};
        double[] rates = {0.2, 0.5, 0.9};
        int total = 1650;
        double[] v = new double[total];
        String[] g = new String[total];
        int i = 0;
        for (int k = 0; k < sizes.length; k++) {
            for (int j = 0; j < sizes[k]; j++, i++) {
                v[i] = rng.nextDouble() < rates[k] ? 1 : 0;
                g[i] = "task" + k;
            }
        }
        Estimate e = Bootstrap.macroMean(v, g, 1000, 4, 0.95);
        double width = e.interval().upper() - e.interval().lower();
        assertThat(width / (2 * 1.959964 * e.standardError())).isCloseTo(1.0, within(0.1));
        // the size-weighted (micro) SE understates the macro mean's uncertainty when a small group counts 1/3
        assertThat(e.standardError()).isGreaterThan(Bootstrap.mean(v, 0, 0, 0.95).standardError() * 1.5);
    }

    @Test
    void proportionUsesTheWilsonInterval() {
        Estimate e = Bootstrap.proportion(35, 50, 0.95);
        assertThat(e.value()).isEqualTo(0.7);
        assertThat(e.interval().lower()).isCloseTo(0.5624965, within(1e-6));
        assertThat(e.interval().upper()).isCloseTo(0.8089645, within(1e-6));
        assertThat(e.standardError()).isCloseTo(Math.sqrt(0.21 / 50), within(1e-12));
        Estimate none = Bootstrap.proportion(new boolean[] {false, false, false}, 0.95);
        assertThat(none.value()).isZero();
        assertThat(none.interval().upper()).isGreaterThan(0.3); // Wilson is not degenerate at p = 0
    }

    @Test
    void rejectsFailuresAndBadArguments() {
        assertThatThrownBy(() -> Bootstrap.mean(new double[] {1, Double.NaN}, 10, 0, 0.95))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unscored");
        assertThatThrownBy(() -> Bootstrap.mean(new double[0], 10, 0, 0.95))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Bootstrap.mean(new double[] {1}, 10, 0, 1.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Bootstrap.clusteredMean(new double[] {1, 2}, new String[] {"a"}, 10, 0, 0.95))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Bootstrap.proportion(3, 2, 0.95)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Bootstrap.mean(new double[] {4}, 10, 0, 0.95).standardError()).isNaN();
    }
}
