package dev.plumbline.engine.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;

/**
 * AlpacaEval 2 win rate and length-controlled win rate of one model against a baseline (tatsu-lab/alpaca_eval
 * {@code src/alpaca_eval/metrics/winrate.py}, {@code helpers.py}, {@code glm_winrate.py}, GLM
 * {@code length_controlled_v1}; evaluation.md §3.3–3.4).
 *
 * <p><b>All rates are fractions in [0, 1]</b>; AlpacaEval prints them ×100 (percent), including its standard errors.
 * Preferences here use the model's side: {@code 1} = model wins, {@code 0} = baseline wins, {@code 0.5} = draw,
 * soft values in between (AlpacaEval's {@code preference − 1}; see {@link #fromAlpacaEvalPreference}).
 *
 * <p><b>GLM.</b> Per instruction x: {@code std_delta_len = (len(baseline) − len(model)) / std(len(baseline) −
 * len(model))} (characters = Unicode code points, pandas {@code std} with n−1; AlpacaEval's {@code output_1} is the
 * baseline), and {@code logit P(model ≻ baseline) = φ·tanh(std_delta_len) + ψ·γ_x + θ} with no intercept beyond θ
 * (patsy formula {@code np.tanh(std_delta_len) + instruction_difficulty + not_gamed_baseline.astype(float) − 1};
 * θ is the coefficient of {@code not_gamed_baseline}, which is 1 for the model's own rows and 0 for the optional
 * gamed-baseline regularisation rows). The ψ·γ term is present only when instruction difficulties γ_x are given
 * (AlpacaEval downloads them from HF {@code tatsu-lab/alpaca_eval}; they are not in our fixtures). The GLM is fitted
 * per model on soft labels (each row is a y=1 row with weight p and a y=0 row with weight 1−p, i.e. the cross-entropy
 * {@code −[p ln σ(η) + (1−p) ln(1−σ(η))]}). <b>LC win rate</b> = mean over all instructions of the prediction with
 * the length term zeroed, {@code σ(θ + ψ·γ_x)}.
 *
 * <p><b>Where this differs from AlpacaEval.</b> AlpacaEval fits an L1-penalised logistic regression (liblinear,
 * {@code LogisticRegressionCV} choosing C by 5-fold GroupKFold log loss) and regularises toward the baseline by adding
 * the baseline's verbose/concise "gamed" annotations ({@code df_gamed.csv}, weight {@code λ/2} each, λ = 0.2). We fit
 * by Newton's method with a tiny L2 ridge ({@code (ridge/2)·|β|²} added to the summed row losses, i.e. a N(0, 1/ridge)
 * prior; default 1e-6: the MLE for all practical purposes, yet finite when every preference is 1 or 0), i.e. the
 * large-C limit; the gamed rows can be supplied via {@link Options#withGamedBaseline}. The std of the length
 * difference and the LC average use every observation, the fit only scored ones (preference not NaN) — as
 * {@code glm_winrate.py} does. Besides AlpacaEval's {@code lc_standard_error} (SEM of the per-instruction
 * predictions, which ignores fit uncertainty and is 0 without instruction difficulties) we report a bootstrap over
 * instructions that refits the GLM (including the length standardisation) every round.
 */
public final class LengthControlledWinRate {

    private LengthControlledWinRate() {}

    /**
     * One instruction's judgement.
     *
     * @param instructionId instruction identifier; rows sharing an id are resampled together by the bootstrap
     *     (null: the row is its own cluster)
     * @param preference P(model output preferred) in [0, 1]; NaN = unscored (judge failure), excluded from the raw win
     *     rate and the fit, counted in {@link RawWinRate#nUnscored()}
     * @param modelLength length of the model's output in code points ({@link #length(String)})
     * @param baselineLength length of the baseline's output in code points
     * @param instructionDifficulty AlpacaEval's γ_x for this instruction, or NaN if unknown (then for every row)
     */
    public record Observation(String instructionId, double preference, int modelLength, int baselineLength,
            double instructionDifficulty) {

        public Observation {
            if (!Double.isNaN(preference) && !(preference >= 0 && preference <= 1)) {
                throw new IllegalArgumentException("preference must be in [0, 1] or NaN, got " + preference);
            }
            if (modelLength < 0 || baselineLength < 0) {
                throw new IllegalArgumentException("lengths must be >= 0");
            }
            if (Double.isInfinite(instructionDifficulty)) {
                throw new IllegalArgumentException("instruction difficulty must be finite or NaN");
            }
        }

        /** An observation without instruction difficulty. */
        public static Observation of(String instructionId, double preference, int modelLength, int baselineLength) {
            return new Observation(instructionId, preference, modelLength, baselineLength, Double.NaN);
        }

        boolean scored() {
            return !Double.isNaN(preference);
        }
    }

    /**
     * Fitted GLM coefficients, named after the columns of AlpacaEval's saved weights CSV
     * ({@code metrics/weights/<annotator>/length_controlled_v1/baseline_<name>.csv}).
     *
     * @param lengthCoefficient φ, column {@code np.tanh(std_delta_len)} (negative when longer outputs win more,
     *     because the length difference is baseline − model)
     * @param difficultyCoefficient ψ, column {@code instruction_difficulty} (0 when no difficulties were given)
     * @param strength θ, column {@code not_gamed_baseline.astype(float)} — the model-vs-baseline strength
     */
    public record Weights(double lengthCoefficient, double difficultyCoefficient, double strength) {

        /** The baseline's own weights (all zero by construction in AlpacaEval). */
        public static final Weights BASELINE = new Weights(0, 0, 0);
    }

    /**
     * One row of AlpacaEval's {@code df_gamed.csv}: an annotation of the baseline's verbose or concise variant
     * against the baseline, used only to regularise φ and ψ (θ's column is 0 for these rows).
     */
    public record GamedRow(double preference, double stdDeltaLength, double instructionDifficulty) {}

    /**
     * @param ridge L2 penalty {@code (ridge/2)·|β|²} on (φ, ψ, θ) added to the weighted sum of row losses (as in
     *     {@link BradleyTerry}); {@code 0} = exact MLE (throws if it
     *     does not exist)
     * @param gamedBaseline optional regularisation rows (empty: none)
     * @param regularizeToBaselineLambda λ; each gamed row gets weight λ/2 (AlpacaEval: 0.2)
     * @param bootstrapRounds rounds of the instruction bootstrap for {@link Result#lcInterval()} (0: skip)
     */
    public record Options(double ridge, List<GamedRow> gamedBaseline, double regularizeToBaselineLambda,
            int bootstrapRounds, long seed, double level) {

        public Options {
            if (!(ridge >= 0) || !Double.isFinite(ridge)) {
                throw new IllegalArgumentException("ridge must be >= 0, got " + ridge);
            }
            gamedBaseline = List.copyOf(gamedBaseline);
            if (!(regularizeToBaselineLambda >= 0)) {
                throw new IllegalArgumentException("lambda must be >= 0");
            }
            Percentiles.checkRounds(bootstrapRounds);
            Percentiles.checkLevel(level);
        }

        /** Ridge 1e-6, no gamed rows (λ 0.2 if added), 1000 bootstrap rounds, seed 0, level 0.95. */
        public static Options defaults() {
            return new Options(1e-6, List.of(), 0.2, Bootstrap.DEFAULT_ROUNDS, 0L, Bootstrap.DEFAULT_LEVEL);
        }

        public Options withRidge(double newRidge) {
            return new Options(newRidge, gamedBaseline, regularizeToBaselineLambda, bootstrapRounds, seed, level);
        }

        public Options withBootstrap(int rounds, long newSeed, double newLevel) {
            return new Options(ridge, gamedBaseline, regularizeToBaselineLambda, rounds, newSeed, newLevel);
        }

        public Options withGamedBaseline(List<GamedRow> rows, double lambda) {
            return new Options(ridge, rows, lambda, bootstrapRounds, seed, level);
        }
    }

    /**
     * AlpacaEval's raw head-to-head numbers ({@code describe_head2head}), as fractions.
     *
     * @param n scored observations ({@code n_total})
     * @param nUnscored observations with a NaN preference (not in any rate)
     * @param winRate mean preference ({@code win_rate}/100)
     * @param standardError SEM of the preferences, n−1 ({@code standard_error}/100)
     * @param nWins preferences {@code > 0.5}
     * @param nWinsBase preferences {@code < 0.5}
     * @param nDraws preferences {@code == 0.5}
     * @param discreteWinRate {@code (nWins + nDraws/2)/n} ({@code discrete_win_rate}/100)
     */
    public record RawWinRate(long n, long nUnscored, double winRate, double standardError, long nWins,
            long nWinsBase, long nDraws, double discreteWinRate) {}

    /**
     * @param lengthControlledWinRate mean of σ(θ + ψ·γ_x) over all instructions ({@code length_controlled_winrate}/100)
     * @param lcPredictionSem SEM of those per-instruction predictions ({@code lc_standard_error}/100; 0 without γ)
     * @param lcStandardError standard deviation of the LC win rate over bootstrap rounds (NaN if no rounds; rounds
     *     without a scored observation, or whose refit has no finite MLE when {@code ridge = 0}, are skipped)
     * @param lcInterval percentile interval of the LC win rate over bootstrap rounds (NaN bounds if no rounds)
     * @param extremeChange AlpacaEval's "GLM failure" warning condition, see {@link #isExtremeChange}
     */
    public record Result(RawWinRate raw, double lengthControlledWinRate, double lcPredictionSem,
            double lcStandardError, Interval lcInterval, Weights weights, boolean extremeChange) {}

    /** Number of Unicode code points, i.e. Python's {@code len(str)} that AlpacaEval uses for output lengths. */
    public static int length(String output) {
        return output.codePointCount(0, output.length());
    }

    /**
     * AlpacaEval preference (1 = baseline/output_1 wins, 2 = model/output_2 wins, 1.5 = draw, legacy 0 = draw, NaN =
     * unscored) → this class's scale ({@code preference − 1}).
     */
    public static double fromAlpacaEvalPreference(double alpacaEvalPreference) {
        return alpacaEvalPreference == 0.0 ? 0.5 : alpacaEvalPreference - 1;
    }

    /** Raw win-rate numbers of preferences in [0, 1]; NaN entries are counted as unscored. */
    public static RawWinRate raw(double[] preferences) {
        long n = 0;
        long unscored = 0;
        long wins = 0;
        long winsBase = 0;
        long draws = 0;
        double sum = 0;
        for (double p : preferences) {
            if (Double.isNaN(p)) {
                unscored++;
                continue;
            }
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("preference must be in [0, 1] or NaN, got " + p);
            }
            n++;
            sum += p;
            if (p > 0.5) {
                wins++;
            } else if (p < 0.5) {
                winsBase++;
            } else {
                draws++;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no scored preferences (" + unscored + " unscored)");
        }
        double[] scored = Arrays.stream(preferences).filter(p -> !Double.isNaN(p)).toArray();
        double se = Percentiles.sampleStd(scored) / Math.sqrt(n);
        return new RawWinRate(n, unscored, sum / n, se, wins, winsBase, draws, (wins + 0.5 * draws) / n);
    }

    public static Result compute(List<Observation> observations) {
        return compute(observations, Options.defaults());
    }

    /**
     * Raw and length-controlled win rates with the instruction bootstrap.
     *
     * @throws IllegalArgumentException for no scored observations or difficulties given for only some rows
     * @throws IllegalStateException with {@code ridge = 0} when the MLE does not exist
     */
    public static Result compute(List<Observation> observations, Options options) {
        RawWinRate raw = raw(observations.stream().mapToDouble(Observation::preference).toArray());
        Fit fit = fit(observations, options, null);
        double[] replicates = new double[options.bootstrapRounds()];
        if (options.bootstrapRounds() > 0) {
            List<List<Observation>> clusters = clusters(observations);
            SplittableRandom rng = new SplittableRandom(options.seed());
            for (int r = 0; r < replicates.length; r++) {
                List<Observation> sample = new ArrayList<>(observations.size());
                for (int c = 0; c < clusters.size(); c++) {
                    sample.addAll(clusters.get(rng.nextInt(clusters.size())));
                }
                replicates[r] = Double.NaN; // skipped: nothing scored, or (ridge 0) no finite MLE for this resample
                if (sample.stream().anyMatch(Observation::scored)) {
                    try {
                        replicates[r] = fit(sample, options, fit.beta).lcWinRate;
                    } catch (IllegalStateException e) {
                        // keep NaN
                    }
                }
            }
        }
        double[] finite = Arrays.stream(replicates).filter(v -> !Double.isNaN(v)).toArray();
        return new Result(raw, fit.lcWinRate, fit.predictionSem, Percentiles.sampleStd(finite),
                Percentiles.interval(replicates, options.level()), fit.weights,
                isExtremeChange(raw.winRate(), fit.lcWinRate));
    }

    /** Only the GLM weights (no bootstrap). */
    public static Weights fit(List<Observation> observations, Options options) {
        return fit(observations, options, null).weights;
    }

    /**
     * LC win rate of {@code model} against {@code baseline} from saved weights, AlpacaEval's {@code predict_winrate}:
     * mean over instructions of {@code σ((θ_m − θ_b) + (ψ_m − ψ_b)·γ_x)}.
     */
    public static double predictWinRate(Weights model, Weights baseline, double[] instructionDifficulty) {
        if (instructionDifficulty.length == 0) {
            throw new IllegalArgumentException("no instructions");
        }
        double dTheta = model.strength() - baseline.strength();
        double dPsi = model.difficultyCoefficient() - baseline.difficultyCoefficient();
        double s = 0;
        for (double g : instructionDifficulty) {
            s += BradleyTerry.sigmoid(dTheta + dPsi * g);
        }
        return s / instructionDifficulty.length;
    }

    /**
     * AlpacaEval's {@code get_is_extreme_changes} (abs_diff 10 points, rel_diff 4) on the 0–1 scale: true if
     * {@code lc < min(raw − raw/4, raw − 0.10)} or {@code lc > max(raw + (1 − raw)/4, raw + 0.10)}.
     */
    public static boolean isExtremeChange(double rawWinRate, double lcWinRate) {
        boolean tooSmall = lcWinRate < Math.min(rawWinRate - rawWinRate / 4, rawWinRate - 0.10);
        boolean tooLarge = lcWinRate > Math.max(rawWinRate + (1 - rawWinRate) / 4, rawWinRate + 0.10);
        return tooSmall || tooLarge;
    }

    // ---------------------------------------------------------------------------------------------------------

    private record Fit(Weights weights, double[] beta, double lcWinRate, double predictionSem) {}

    /** Columns: [tanh(std_delta_len)] if lengths vary, [γ] if given, θ's indicator (always last). */
    private static Fit fit(List<Observation> observations, Options options, double[] warm) {
        Objects.requireNonNull(observations, "observations");
        int rows = observations.size();
        long withDifficulty = observations.stream().filter(o -> !Double.isNaN(o.instructionDifficulty())).count();
        if (withDifficulty != 0 && withDifficulty != rows) {
            throw new IllegalArgumentException("instruction difficulty given for " + withDifficulty + " of " + rows
                    + " observations: give it for all or none");
        }
        boolean hasDifficulty = rows > 0 && withDifficulty == rows;
        double[] delta = new double[rows];
        for (int i = 0; i < rows; i++) {
            Observation o = observations.get(i);
            delta[i] = (double) o.baselineLength() - o.modelLength();
        }
        double std = Percentiles.sampleStd(delta);
        // No usable spread (fewer than 2 rows, or every difference equal): the length term is not identifiable
        // apart from θ, so it is left out (φ = 0).
        boolean hasLength = Double.isFinite(std) && std > 0;
        int dim = (hasLength ? 1 : 0) + (hasDifficulty ? 1 : 0) + 1;

        List<double[]> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        List<Double> w = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            Observation o = observations.get(i);
            if (o.scored()) {
                x.add(row(hasLength, hasDifficulty, Math.tanh(delta[i] / (hasLength ? std : 1)),
                        o.instructionDifficulty(), 1));
                y.add(o.preference());
                w.add(1.0);
            }
        }
        double lambda = options.regularizeToBaselineLambda();
        if (lambda > 0) {
            for (GamedRow g : options.gamedBaseline()) {
                if (Double.isNaN(g.preference())) {
                    continue;
                }
                x.add(row(hasLength, hasDifficulty, Math.tanh(g.stdDeltaLength()), g.instructionDifficulty(), 0));
                y.add(g.preference());
                w.add(lambda / 2);
            }
        }
        if (x.isEmpty()) {
            throw new IllegalArgumentException("no scored observations to fit");
        }
        double[] beta = warm != null && warm.length == dim ? warm.clone() : new double[dim];
        beta = newton(x.toArray(double[][]::new), y.stream().mapToDouble(Double::doubleValue).toArray(),
                w.stream().mapToDouble(Double::doubleValue).toArray(), beta, options.ridge());

        int col = 0;
        double phi = hasLength ? beta[col++] : 0;
        double psi = hasDifficulty ? beta[col++] : 0;
        double theta = beta[col];
        double[] predictions = new double[rows];
        double sum = 0;
        for (int i = 0; i < rows; i++) {
            double g = hasDifficulty ? observations.get(i).instructionDifficulty() : 0;
            predictions[i] = BradleyTerry.sigmoid(theta + psi * g);
            sum += predictions[i];
        }
        double sem = Percentiles.sampleStd(predictions) / Math.sqrt(rows);
        return new Fit(new Weights(phi, psi, theta), beta, sum / rows, sem);
    }

    private static double[] row(boolean hasLength, boolean hasDifficulty, double tanhLength, double difficulty,
            double notGamed) {
        double[] r = new double[(hasLength ? 1 : 0) + (hasDifficulty ? 1 : 0) + 1];
        int c = 0;
        if (hasLength) {
            r[c++] = tanhLength;
        }
        if (hasDifficulty) {
            r[c++] = difficulty;
        }
        r[c] = notGamed;
        return r;
    }

    /** Newton on Σ w_i[softplus(η_i) − y_i·η_i] + (ridge0/2)·|β|², divided by Σw for conditioning. */
    private static double[] newton(double[][] x, double[] y, double[] w, double[] start, double ridge0) {
        int dim = start.length;
        double total = 0;
        for (double wi : w) {
            total += wi;
        }
        double totalWeight = total;
        double ridge = ridge0 / totalWeight;
        NewtonSolver.Problem problem = new NewtonSolver.Problem() {
            @Override
            public double value(double[] beta) {
                return loss(x, y, w, beta, ridge, totalWeight);
            }

            @Override
            public void derivatives(double[] beta, double[] grad, double[][] hess) {
                for (int k = 0; k < dim; k++) {
                    grad[k] = ridge * beta[k];
                    hess[k][k] = ridge;
                }
                for (int i = 0; i < x.length; i++) {
                    double[] xi = x[i];
                    double eta = dot(xi, beta);
                    double p = BradleyTerry.sigmoid(eta);
                    double q = BradleyTerry.sigmoid(-eta);
                    double residual = (1 - y[i]) * p - y[i] * q; // p − y without cancellation when p ≈ y ≈ 1
                    double wi = w[i] / totalWeight;
                    for (int a = 0; a < dim; a++) {
                        grad[a] += wi * residual * xi[a];
                        for (int b = 0; b < dim; b++) {
                            hess[a][b] += wi * p * q * xi[a] * xi[b];
                        }
                    }
                }
            }
        };
        double[] beta;
        try {
            beta = NewtonSolver.minimise(problem, start, 200, 1e-12);
        } catch (NonPositiveDefiniteMatrixException e) {
            throw new IllegalStateException("length-controlled GLM is not identifiable (collinear features, e.g. "
                    + "a constant instruction difficulty); use a ridge > 0", e);
        }
        if (beta == null) {
            throw new IllegalStateException("length-controlled GLM did not converge" + (ridge0 == 0
                    ? ": the MLE does not exist (e.g. every preference is 1); use a ridge > 0" : ""));
        }
        return beta;
    }

    private static double loss(double[][] x, double[] y, double[] w, double[] beta, double ridge,
            double totalWeight) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double eta = dot(x[i], beta);
            double yi = y[i];
            // softplus(η) − y·η, rearranged so it stays accurate when η is large
            s += w[i] * ((1 - yi) * BradleyTerry.softplus(eta) + yi * BradleyTerry.softplus(-eta));
        }
        double pen = 0;
        for (double b : beta) {
            pen += b * b;
        }
        return s / totalWeight + 0.5 * ridge * pen;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static List<List<Observation>> clusters(List<Observation> observations) {
        Map<Object, List<Observation>> byId = new LinkedHashMap<>();
        for (int i = 0; i < observations.size(); i++) {
            Observation o = observations.get(i);
            Object key = o.instructionId() != null ? o.instructionId() : Integer.valueOf(i);
            byId.computeIfAbsent(key, k -> new ArrayList<>()).add(o);
        }
        return new ArrayList<>(byId.values());
    }
}
