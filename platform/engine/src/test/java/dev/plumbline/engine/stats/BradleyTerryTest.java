package dev.plumbline.engine.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BradleyTerryTest {

    private static final BradleyTerry EXACT = new BradleyTerry(BradleyTerry.Options.arena().withRidge(0));
    private static final BradleyTerry ARENA = new BradleyTerry();

    private static void add(List<Battle> out, String a, String b, int aWins, int bWins, int ties) {
        for (int i = 0; i < aWins; i++) {
            out.add(new Battle(a, b, Battle.A_WINS));
        }
        for (int i = 0; i < bWins; i++) {
            out.add(new Battle(a, b, Battle.B_WINS));
        }
        for (int i = 0; i < ties; i++) {
            out.add(new Battle(a, b, Battle.TIE));
        }
    }

    /** Four models, five pairs (a–d never met), wins/losses/ties as in {@code arenaReference}. */
    private static List<Battle> fourModels() {
        List<Battle> b = new ArrayList<>();
        add(b, "a", "b", 30, 20, 10);
        add(b, "a", "c", 40, 10, 5);
        add(b, "b", "c", 25, 25, 0);
        add(b, "c", "d", 30, 10, 10);
        add(b, "b", "d", 20, 5, 0);
        return b;
    }

    @Test
    void twoModelsMatchTheClosedForm() {
        // 3 wins to 1: P = 3/4, so R_a − R_b = 400·log10(3) = 190.848502; mean 1000.
        List<Battle> battles = new ArrayList<>();
        add(battles, "a", "b", 3, 1, 0);
        Map<String, Double> r = EXACT.fit(battles);
        double gap = 400 * Math.log10(3);
        assertThat(r.get("a")).isCloseTo(1000 + gap / 2, within(1e-8));
        assertThat(r.get("b")).isCloseTo(1000 - gap / 2, within(1e-8));
        assertThat(EXACT.winProbability(r.get("a"), r.get("b"))).isCloseTo(0.75, within(1e-12));
        assertThat(r.keySet()).containsExactly("a", "b");

        // 2 wins + 2 ties vs nothing: score 3 of 4, the same MLE
        List<Battle> withTies = new ArrayList<>();
        add(withTies, "a", "b", 2, 0, 2);
        assertThat(EXACT.fit(withTies).get("a")).isCloseTo(1000 + gap / 2, within(1e-8));
    }

    @Test
    void matchesArenaReferenceFit() {
        // FastChat rating_systems.compute_bt (scipy L-BFGS-B from 0, gtol 1e-13, Newton-polished) on the same battles.
        Map<String, Double> exact = EXACT.fit(fourModels());
        assertThat(exact.get("a")).isCloseTo(1142.6339616747, within(1e-6));
        assertThat(exact.get("b")).isCloseTo(1042.7532474635, within(1e-6));
        assertThat(exact.get("c")).isCloseTo(986.2361489655, within(1e-6));
        assertThat(exact.get("d")).isCloseTo(828.3766418963, within(1e-6));
        assertThat(exact.keySet()).containsExactly("a", "b", "c", "d");
        assertThat(exact.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow())
                .isCloseTo(1000, within(1e-9));
        // the default ridge (1e-6) is invisible at display precision
        Map<String, Double> ridged = ARENA.fit(fourModels());
        exact.forEach((m, v) -> assertThat(ridged.get(m)).isCloseTo(v, within(1e-4)));
    }

    @Test
    void mleSatisfiesTheScoreEquations() {
        List<Battle> battles = fourModels();
        Map<String, Double> r = EXACT.fit(battles);
        for (String m : r.keySet()) {
            double observed = 0;
            double expected = 0;
            for (Battle b : battles) {
                if (b.modelA().equals(m)) {
                    observed += b.outcome();
                    expected += EXACT.winProbability(r.get(m), r.get(b.modelB()));
                } else if (b.modelB().equals(m)) {
                    observed += 1 - b.outcome();
                    expected += EXACT.winProbability(r.get(m), r.get(b.modelA()));
                }
            }
            assertThat(expected).as(m).isCloseTo(observed, within(1e-8));
        }
    }

    @Test
    void tiesAreHalfAWinAndHalfALossAndSidesAndOrderDoNotMatter() {
        List<Battle> battles = fourModels();
        Map<String, Double> base = EXACT.fit(battles);

        List<Battle> split = new ArrayList<>();
        for (Battle b : battles) {
            if (b.outcome() == Battle.TIE) {
                split.add(new Battle(b.modelA(), b.modelB(), Battle.A_WINS, 0.5));
                split.add(new Battle(b.modelA(), b.modelB(), Battle.B_WINS, 0.5));
            } else {
                split.add(b);
            }
        }
        List<Battle> swappedAndShuffled = new ArrayList<>();
        for (int i = 0; i < battles.size(); i++) {
            swappedAndShuffled.add(i % 2 == 0 ? battles.get(i).swapped() : battles.get(i));
        }
        Collections.shuffle(swappedAndShuffled, new Random(3));
        Map<String, Double> fromSplit = EXACT.fit(split);
        Map<String, Double> fromSwapped = EXACT.fit(swappedAndShuffled);
        base.forEach((m, v) -> {
            assertThat(fromSplit.get(m)).isCloseTo(v, within(1e-9));
            assertThat(fromSwapped.get(m)).isCloseTo(v, within(1e-9));
        });
    }

    @Test
    void recoversKnownStrengthsFromSimulatedBattles() {
        String[] models = {"m1", "m2", "m3", "m4", "m5"};
        double[] truth = {1250, 1100, 1000, 900, 750}; // mean 1000
        SplittableRandom rng = new SplittableRandom(42);
        List<Battle> battles = new ArrayList<>();
        for (int k = 0; k < 8000; k++) {
            int i = rng.nextInt(5);
            int j = rng.nextInt(4);
            if (j >= i) {
                j++;
            }
            double p = ARENA.winProbability(truth[i], truth[j]);
            battles.add(new Battle(models[i], models[j], rng.nextDouble() < p ? 1 : 0));
        }
        Map<String, Double> fitted = ARENA.fit(battles);
        for (int i = 0; i < models.length; i++) {
            assertThat(fitted.get(models[i])).as(models[i]).isCloseTo(truth[i], within(25.0));
        }
        assertThat(fitted.keySet()).containsExactly(models);
    }

    @Test
    void anchorShiftsEveryRatingByTheSameAmount() {
        BradleyTerry anchored = new BradleyTerry(BradleyTerry.Options.arena().withRidge(0).anchoredAt("c", 1114));
        Map<String, Double> r = anchored.fit(fourModels());
        Map<String, Double> base = EXACT.fit(fourModels());
        assertThat(r.get("c")).isCloseTo(1114, within(1e-9));
        base.forEach((m, v) -> assertThat(r.get(m) - v).isCloseTo(1114 - base.get("c"), within(1e-9)));
        assertThatThrownBy(() -> new BradleyTerry(BradleyTerry.Options.arena().anchoredAt("zz", 1114))
                .fit(fourModels())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zz");
    }

    @Test
    void aModelThatAlwaysWinsGetsAFiniteRatingFromTheRidge() {
        List<Battle> battles = new ArrayList<>();
        add(battles, "champ", "b", 10, 0, 0);
        add(battles, "b", "c", 5, 5, 0);
        Map<String, Double> r = ARENA.fit(battles);
        assertThat(r.values()).allSatisfy(v -> assertThat(v).isFinite());
        assertThat(r.get("champ") - r.get("b")).isBetween(2000.0, 4000.0);
        assertThat(r.get("b")).isCloseTo(r.get("c"), within(0.01));
        // a weaker prior lets it run further, the exact MLE does not exist
        double looser = new BradleyTerry(BradleyTerry.Options.arena().withRidge(1e-9)).fit(battles).get("champ");
        assertThat(looser).isGreaterThan(r.get("champ"));
        assertThatThrownBy(() -> EXACT.fit(battles)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ridge");
    }

    @Test
    void disconnectedComponentsAreEachCentredAndReported() {
        List<Battle> battles = new ArrayList<>();
        add(battles, "a", "b", 3, 1, 0);
        add(battles, "c", "d", 1, 1, 0);
        add(battles, "c", "e", 2, 2, 0);
        assertThat(BradleyTerry.components(battles)).containsExactly(Set.of("c", "d", "e"), Set.of("a", "b"));
        for (BradleyTerry bt : List.of(ARENA, EXACT)) {
            Map<String, Double> r = bt.fit(battles);
            assertThat(r.get("a") + r.get("b")).isCloseTo(2000, within(1e-6));
            assertThat(r.get("a") - r.get("b")).isCloseTo(400 * Math.log10(3), within(1e-3));
            assertThat(r.get("c")).isCloseTo(1000, within(1e-6));
            assertThat(r.get("d")).isCloseTo(1000, within(1e-6));
        }
    }

    @Test
    void bootstrapRanksByConfidenceIntervalSeparation() {
        // Expected counts from true ratings top 1300, mid1 = mid2 = 1000, low 700; 200 battles per pair.
        String[] names = {"top", "mid1", "mid2", "low"};
        double[] truth = {1300, 1000, 1000, 700};
        List<Battle> battles = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            for (int j = i + 1; j < 4; j++) {
                int wins = (int) Math.round(200 * ARENA.winProbability(truth[i], truth[j]));
                add(battles, names[i], names[j], wins, 200 - wins, 0);
            }
        }
        List<Rating> ratings = ARENA.bootstrap(battles, 200, 7, 0.95);
        assertThat(ratings).extracting(Rating::model).containsExactly("top", "mid1", "mid2", "low");
        assertThat(ratings).extracting(Rating::rank).containsExactly(1, 2, 2, 4);
        for (Rating r : ratings) {
            assertThat(r.ciLow()).isLessThan(r.rating());
            assertThat(r.ciHigh()).isGreaterThan(r.rating());
            assertThat(r.ciHigh() - r.ciLow()).isBetween(20.0, 150.0);
        }
        assertThat(ratings.get(0).ciLow()).isGreaterThan(ratings.get(1).ciHigh());
        assertThat(ratings.get(1).ciLow()).isLessThan(ratings.get(2).ciHigh());
        assertThat(ratings.get(1).rating()).isCloseTo(ratings.get(2).rating(), within(1e-6));
        assertThat(ARENA.bootstrap(battles, 200, 7, 0.95)).isEqualTo(ratings);
        assertThat(ARENA.bootstrap(battles, 200, 8, 0.95)).isNotEqualTo(ratings);
    }

    @Test
    void anchoredBootstrapPinsTheAnchor() {
        BradleyTerry anchored = new BradleyTerry(BradleyTerry.Options.arena().anchoredAt("b", 1114));
        List<Rating> ratings = anchored.bootstrap(fourModels(), 100, 1, 0.9);
        Rating b = ratings.stream().filter(r -> r.model().equals("b")).findFirst().orElseThrow();
        assertThat(b.rating()).isCloseTo(1114, within(1e-9));
        assertThat(b.ciLow()).isCloseTo(1114, within(1e-9));
        assertThat(b.ciHigh()).isCloseTo(1114, within(1e-9));
        assertThat(ratings).extracting(Rating::model).containsExactly("a", "b", "c", "d");
    }

    @Test
    void rejectsBadBattles() {
        assertThatThrownBy(() -> new Battle("a", "a", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Battle("a", "b", 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Battle("a", "b", 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ARENA.fit(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
