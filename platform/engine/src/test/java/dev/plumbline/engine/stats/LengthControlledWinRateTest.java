package dev.plumbline.engine.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class LengthControlledWinRateTest {

    private static final LengthControlledWinRate.Options EXACT =
            LengthControlledWinRate.Options.defaults().withRidge(0).withBootstrap(0, 0, 0.95);

    // ---- fixtures: ../shared/datasets/alpaca-eval (AlpacaEval @2898342e, CC BY-NC 4.0, read in place) ----

    private static Path alpacaEval(String file) {
        String dir = System.getProperty("plumbline.datasets.dir");
        assertThat(dir).as("system property plumbline.datasets.dir (set by surefire)").isNotBlank();
        Path p = Path.of(dir, "alpaca-eval", file);
        assertThat(p).isRegularFile();
        return p;
    }

    private static List<CSVRecord> csv(String file) throws IOException {
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true)
                .setAllowMissingColumnNames(true).build();
        try (Reader r = Files.newBufferedReader(alpacaEval(file), StandardCharsets.UTF_8)) {
            return format.parse(r).getRecords();
        }
    }

    /** Saved GLM weights per model: φ (tanh length), ψ (difficulty), θ (not_gamed_baseline). */
    private static Map<String, LengthControlledWinRate.Weights> savedWeights() throws IOException {
        Map<String, LengthControlledWinRate.Weights> out = new LinkedHashMap<>();
        for (CSVRecord r : csv("lc_glm_weights_baseline_gpt4_1106_preview.csv")) {
            out.put(r.get(0), new LengthControlledWinRate.Weights(Double.parseDouble(r.get("np.tanh(std_delta_len)")),
                    Double.parseDouble(r.get("instruction_difficulty")),
                    Double.parseDouble(r.get("not_gamed_baseline.astype(float)"))));
        }
        return out;
    }

    private static int[] baselineLengths() throws IOException {
        try (Reader r = Files.newBufferedReader(alpacaEval("gpt4_1106_preview_model_outputs.json"),
                StandardCharsets.UTF_8)) {
            List<Integer> lengths = new ArrayList<>();
            for (JsonElement e : JsonParser.parseReader(r).getAsJsonArray()) {
                lengths.add(LengthControlledWinRate.length(e.getAsJsonObject().get("output").getAsString()));
            }
            return lengths.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    // ---- raw win rate ----

    @Test
    void rawWinRateFollowsAlpacaEvalHead2Head() {
        LengthControlledWinRate.RawWinRate r =
                LengthControlledWinRate.raw(new double[] {1, 0, 0.5, 0.8, Double.NaN});
        assertThat(r.n()).isEqualTo(4);
        assertThat(r.nUnscored()).isEqualTo(1);
        assertThat(r.winRate()).isCloseTo(0.575, within(1e-12));
        assertThat(r.standardError()).isCloseTo(Math.sqrt(0.5675 / 3) / 2, within(1e-12));
        assertThat(r.nWins()).isEqualTo(2);
        assertThat(r.nWinsBase()).isEqualTo(1);
        assertThat(r.nDraws()).isEqualTo(1);
        assertThat(r.discreteWinRate()).isCloseTo(0.625, within(1e-12));
        assertThat(LengthControlledWinRate.fromAlpacaEvalPreference(2)).isEqualTo(1.0);
        assertThat(LengthControlledWinRate.fromAlpacaEvalPreference(1)).isEqualTo(0.0);
        assertThat(LengthControlledWinRate.fromAlpacaEvalPreference(1.5)).isEqualTo(0.5);
        assertThat(LengthControlledWinRate.fromAlpacaEvalPreference(0)).isEqualTo(0.5);
    }

    @Test
    void discreteWinRateMatchesTheLeaderboardCounts() throws IOException {
        List<CSVRecord> rows = csv("weighted_alpaca_eval_gpt4_turbo_leaderboard.csv");
        assertThat(rows).hasSize(223);
        List<String> inconsistent = new ArrayList<>();
        for (CSVRecord row : rows) {
            int wins = Integer.parseInt(row.get("n_wins"));
            int base = Integer.parseInt(row.get("n_wins_base"));
            int draws = Integer.parseInt(row.get("n_draws"));
            double[] prefs = new double[wins + base + draws];
            java.util.Arrays.fill(prefs, 0, wins, 0.9);
            java.util.Arrays.fill(prefs, wins, wins + base, 0.1);
            java.util.Arrays.fill(prefs, wins + base, prefs.length, 0.5);
            LengthControlledWinRate.RawWinRate r = LengthControlledWinRate.raw(prefs);
            assertThat(r.n()).as(row.get(0)).isEqualTo(Long.parseLong(row.get("n_total")));
            if (Math.abs(100 * r.discreteWinRate() - Double.parseDouble(row.get("discrete_win_rate"))) > 1e-9) {
                inconsistent.add(row.get(0));
            }
        }
        // One upstream row is internally inconsistent: (371 + 17/2)/805 = 47.14 %, but it lists 40.19 %.
        assertThat(inconsistent).containsExactly("aligner-2b_gpt-4-turbo-2024-04-09");
    }

    // ---- GLM ----

    @Test
    void recoversSavedWeightsFromExactPreferencesOnTheRealBaselineLengths() throws IOException {
        LengthControlledWinRate.Weights truth = savedWeights().get("gpt4_1106_preview_verbose");
        int[] base = baselineLengths();
        assertThat(base).hasSize(805);
        SplittableRandom rng = new SplittableRandom(2024);
        int n = base.length;
        int[] model = new int[n];
        double[] gamma = new double[n];
        double[] delta = new double[n];
        for (int i = 0; i < n; i++) {
            model[i] = (int) Math.max(1, Math.round(base[i] * 1.25 + rng.nextGaussian() * 400));
            gamma[i] = rng.nextGaussian() * 1.5;
            delta[i] = base[i] - model[i];
        }
        double std = Percentiles.sampleStd(delta);
        List<LengthControlledWinRate.Observation> obs = new ArrayList<>();
        double expectedLc = 0;
        for (int i = 0; i < n; i++) {
            double p = sigmoid(truth.strength() + truth.lengthCoefficient() * Math.tanh(delta[i] / std)
                    + truth.difficultyCoefficient() * gamma[i]);
            obs.add(new LengthControlledWinRate.Observation("i" + i, p, model[i], base[i], gamma[i]));
            expectedLc += sigmoid(truth.strength() + truth.difficultyCoefficient() * gamma[i]) / n;
        }
        LengthControlledWinRate.Result r = LengthControlledWinRate.compute(obs, EXACT);
        assertThat(r.weights().lengthCoefficient()).isCloseTo(truth.lengthCoefficient(), within(1e-7));
        assertThat(r.weights().difficultyCoefficient()).isCloseTo(truth.difficultyCoefficient(), within(1e-7));
        assertThat(r.weights().strength()).isCloseTo(truth.strength(), within(1e-7));
        assertThat(r.lengthControlledWinRate()).isCloseTo(expectedLc, within(1e-9));
        assertThat(r.lengthControlledWinRate()).isCloseTo(
                LengthControlledWinRate.predictWinRate(r.weights(), LengthControlledWinRate.Weights.BASELINE, gamma),
                within(1e-12));
        // a verbose model that is rewarded for length loses win rate once length is controlled
        assertThat(r.lengthControlledWinRate()).isLessThan(r.raw().winRate() - 0.05);
        assertThat(r.lcPredictionSem()).isGreaterThan(0);
    }

    @Test
    void publishedLcWinRatesFollowFromTheSavedWeights() throws IOException {
        // Exact recomputation needs AlpacaEval's per-instruction difficulty γ_x (HF tatsu-lab/alpaca_eval, not
        // copied). A stand-in γ ~ N(−0.15, 1.65²) (805 normal quantiles; the two numbers were fitted once to the
        // leaderboard by grid search) reproduces all 199 published LC win rates from σ(θ + ψ·γ) with a mean error
        // of ~0.3 points; taking θ or ψ from the wrong column misses by 5–13 points on average.
        NormalDistribution normal = new NormalDistribution();
        double[] gamma = new double[805];
        for (int k = 0; k < gamma.length; k++) {
            gamma[k] = -0.15 + 1.65 * normal.inverseCumulativeProbability((k + 0.5) / gamma.length);
        }
        Map<String, LengthControlledWinRate.Weights> weights = savedWeights();
        LengthControlledWinRate.Weights baseline = weights.get("gpt4_1106_preview");
        assertThat(baseline).isEqualTo(LengthControlledWinRate.Weights.BASELINE);
        double sumError = 0;
        double maxError = 0;
        int compared = 0;
        for (CSVRecord row : csv("weighted_alpaca_eval_gpt4_turbo_leaderboard.csv")) {
            LengthControlledWinRate.Weights w = weights.get(row.get(0));
            if (w == null) {
                continue;
            }
            double published = Double.parseDouble(row.get("length_controlled_winrate"));
            double error = Math.abs(100 * LengthControlledWinRate.predictWinRate(w, baseline, gamma) - published);
            sumError += error;
            maxError = Math.max(maxError, error);
            compared++;
        }
        assertThat(compared).isEqualTo(199);
        assertThat(sumError / compared).isLessThan(0.5);
        assertThat(maxError).isLessThan(2.5);
        assertThat(LengthControlledWinRate.predictWinRate(baseline, baseline, gamma)).isEqualTo(0.5);
    }

    @Test
    void withoutLengthDifferencesLcEqualsTheRawWinRate() {
        double[] prefs = {1, 0.9, 0.2, 0.5, 0.7, 0, 1, 0.35};
        List<LengthControlledWinRate.Observation> plain = new ArrayList<>();
        List<LengthControlledWinRate.Observation> withDifficulty = new ArrayList<>();
        List<LengthControlledWinRate.Observation> constantGap = new ArrayList<>();
        for (int i = 0; i < prefs.length; i++) {
            plain.add(LengthControlledWinRate.Observation.of("i" + i, prefs[i], 700, 700));
            withDifficulty.add(new LengthControlledWinRate.Observation("i" + i, prefs[i], 500, 500, 0.3 * i - 1));
            constantGap.add(LengthControlledWinRate.Observation.of("i" + i, prefs[i], 900, 700));
        }
        double raw = 4.65 / 8;
        for (List<LengthControlledWinRate.Observation> obs : List.of(plain, withDifficulty, constantGap)) {
            LengthControlledWinRate.Result r = LengthControlledWinRate.compute(obs, EXACT);
            assertThat(r.raw().winRate()).isCloseTo(raw, within(1e-12));
            assertThat(r.lengthControlledWinRate()).isCloseTo(raw, within(1e-10));
            assertThat(r.weights().lengthCoefficient()).isZero();
            assertThat(r.extremeChange()).isFalse();
        }
        assertThat(LengthControlledWinRate.compute(plain, EXACT).weights().strength())
                .isCloseTo(Math.log(raw / (1 - raw)), within(1e-10));
        assertThat(LengthControlledWinRate.compute(plain, EXACT).lcPredictionSem()).isCloseTo(0, within(1e-15));
    }

    /** 80 instructions where the model is much longer (preference pLong), 20 where it is shorter (pShort). */
    private static List<LengthControlledWinRate.Observation> lengthSkewed(boolean verbose, double pLong,
            double pShort, int scale) {
        List<LengthControlledWinRate.Observation> obs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            boolean mostly = i < 80;
            int baseline = 1000 * scale;
            int model = (mostly == verbose ? 2000 : 800) * scale;
            if (!verbose && mostly) {
                model = 400 * scale;
            } else if (!verbose) {
                model = 1200 * scale;
            }
            obs.add(LengthControlledWinRate.Observation.of("q" + i, mostly ? pLong : pShort, model, baseline));
        }
        return obs;
    }

    @Test
    void lengthControlPenalisesRewardedVerbosityAndHelpsPenalisedConcision() {
        LengthControlledWinRate.Result verbose = LengthControlledWinRate.compute(lengthSkewed(true, 0.8, 0.4, 1),
                EXACT);
        assertThat(verbose.raw().winRate()).isCloseTo(0.72, within(1e-12));
        assertThat(verbose.weights().lengthCoefficient()).isNegative(); // Δ = baseline − model
        assertThat(verbose.lengthControlledWinRate()).isLessThan(verbose.raw().winRate() - 0.1);

        LengthControlledWinRate.Result concise = LengthControlledWinRate.compute(lengthSkewed(false, 0.2, 0.6, 1),
                EXACT);
        assertThat(concise.raw().winRate()).isCloseTo(0.28, within(1e-12));
        assertThat(concise.lengthControlledWinRate()).isGreaterThan(concise.raw().winRate() + 0.1);

        // the length difference is standardised, so units do not matter
        LengthControlledWinRate.Result scaled = LengthControlledWinRate.compute(lengthSkewed(true, 0.8, 0.4, 3),
                EXACT);
        assertThat(scaled.lengthControlledWinRate()).isCloseTo(verbose.lengthControlledWinRate(), within(1e-10));
        assertThat(scaled.weights().lengthCoefficient())
                .isCloseTo(verbose.weights().lengthCoefficient(), within(1e-8));
    }

    @Test
    void bootstrapRefitsOverInstructionsAndIsDeterministic() {
        LengthControlledWinRate.Options options = LengthControlledWinRate.Options.defaults().withBootstrap(200, 5, 0.9);
        List<LengthControlledWinRate.Observation> obs = new ArrayList<>(lengthSkewed(true, 0.8, 0.4, 1));
        obs.add(LengthControlledWinRate.Observation.of("q-failed", Double.NaN, 1500, 1000));
        LengthControlledWinRate.Result r = LengthControlledWinRate.compute(obs, options);
        assertThat(r.raw().n()).isEqualTo(100);
        assertThat(r.raw().nUnscored()).isEqualTo(1);
        assertThat(r.lcInterval().level()).isEqualTo(0.9);
        assertThat(r.lcInterval().contains(r.lengthControlledWinRate())).isTrue();
        assertThat(r.lcStandardError()).isGreaterThan(0.005);
        // AlpacaEval's SE ignores fit uncertainty: without γ every prediction is σ(θ)
        assertThat(r.lcPredictionSem()).isCloseTo(0, within(1e-15));
        assertThat(LengthControlledWinRate.compute(obs, options)).isEqualTo(r);
        // the tiny default ridge does not move the point estimate
        assertThat(r.lengthControlledWinRate()).isCloseTo(
                LengthControlledWinRate.compute(obs, EXACT).lengthControlledWinRate(), within(1e-5));
    }

    @Test
    void allWinsStayFiniteWithTheRidgeAndBaselineAgainstItselfIsAHalf() {
        List<LengthControlledWinRate.Observation> wins = new ArrayList<>();
        List<LengthControlledWinRate.Observation> self = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            wins.add(LengthControlledWinRate.Observation.of(null, 1.0, 500 + 10 * i, 600));
            self.add(LengthControlledWinRate.Observation.of(null, 0.5, 600, 600));
        }
        LengthControlledWinRate.Result r = LengthControlledWinRate.compute(wins,
                LengthControlledWinRate.Options.defaults().withBootstrap(0, 0, 0.95));
        assertThat(r.lengthControlledWinRate()).isBetween(0.99, 1.0);
        assertThat(r.weights().strength()).isFinite();
        assertThatThrownBy(() -> LengthControlledWinRate.compute(wins, EXACT))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ridge");
        LengthControlledWinRate.Result itself = LengthControlledWinRate.compute(self, EXACT);
        assertThat(itself.lengthControlledWinRate()).isCloseTo(0.5, within(1e-12));
        assertThat(itself.weights().strength()).isCloseTo(0, within(1e-12));
    }

    @Test
    void gamedBaselineRowsEnterWithoutTheStrengthColumn() {
        // gamed rows only inform φ: with λ > 0 they pull φ toward the value that explains them by length alone
        List<LengthControlledWinRate.Observation> obs = lengthSkewed(true, 0.8, 0.4, 1);
        List<LengthControlledWinRate.GamedRow> gamed = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            gamed.add(new LengthControlledWinRate.GamedRow(sigmoid(-3 * Math.tanh(-1.0)), -1.0, 0));
            gamed.add(new LengthControlledWinRate.GamedRow(sigmoid(-3 * Math.tanh(1.0)), 1.0, 0));
        }
        double phi = LengthControlledWinRate.fit(obs, EXACT).lengthCoefficient();
        double pulled = LengthControlledWinRate.fit(obs, EXACT.withGamedBaseline(gamed, 2.0)).lengthCoefficient();
        double none = LengthControlledWinRate.fit(obs, EXACT.withGamedBaseline(gamed, 0)).lengthCoefficient();
        assertThat(none).isCloseTo(phi, within(1e-12));
        assertThat(Math.abs(pulled - (-3))).isLessThan(Math.abs(phi - (-3)));
    }

    @Test
    void extremeChangeWarningAndLengthHelper() {
        // glm_winrate.get_is_extreme_changes docstring: from 50 %, below 37.5 or above 62.5 warns
        assertThat(LengthControlledWinRate.isExtremeChange(0.5, 0.37)).isTrue();
        assertThat(LengthControlledWinRate.isExtremeChange(0.5, 0.38)).isFalse();
        assertThat(LengthControlledWinRate.isExtremeChange(0.5, 0.63)).isTrue();
        assertThat(LengthControlledWinRate.isExtremeChange(0.5, 0.62)).isFalse();
        assertThat(LengthControlledWinRate.isExtremeChange(0.2, 0.099)).isTrue();
        assertThat(LengthControlledWinRate.isExtremeChange(0.2, 0.11)).isFalse();
        // NullModel row: 76.9 % → 86.5 % is not flagged
        assertThat(LengthControlledWinRate.isExtremeChange(0.7692, 0.8646)).isFalse();
        assertThat(LengthControlledWinRate.length("a\uD83D\uDE00b")).isEqualTo(3); // Python len(), not UTF-16 units
        assertThatThrownBy(() -> LengthControlledWinRate.compute(List.of(
                LengthControlledWinRate.Observation.of("a", 1, 10, 10),
                new LengthControlledWinRate.Observation("b", 0, 10, 10, 0.4)), EXACT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("difficulty");
    }
}
