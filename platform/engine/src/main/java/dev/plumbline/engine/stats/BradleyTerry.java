package dev.plumbline.engine.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;

/**
 * Bradley–Terry ratings from pairwise battles, on Chatbot Arena's scale (FastChat
 * {@code fastchat/serve/monitor/rating_systems.py}: {@code compute_bt}, {@code compute_bootstrap_bt},
 * {@code scale_and_offset}; evaluation.md §2.4).
 *
 * <p><b>Model.</b> {@code P(a beats b) = σ(ln(base)·(θ_a − θ_b)) = 1/(1 + base^((R_b − R_a)/scale))} with display
 * rating {@code R = initRating + scale·θ} (Arena: base 10, scale 400, init 1000). The fit minimises the weighted
 * soft-label log loss {@code −Σ w[y ln p + (1−y) ln(1−p)]} (y = 1 / 0.5 / 0 for win / tie / loss), so a tie is
 * exactly half a win plus half a loss — the same as duplicating it into two half-weight battles. Only the
 * sufficient statistics (weighted score of each model against each other) enter, so battle order and which side
 * is called "A" do not matter.
 *
 * <p><b>Solver and ridge.</b> Newton's method with a backtracking line search, started at θ = 0 and run until the
 * Newton step is below {@code tolerance} (default 1e-10 in θ, i.e. 4e-8 rating points), on the convex objective
 * {@code loss + (ridge/2)·Σθ²}: a Gaussian prior θ ~ N(0, 1/ridge) in log_base-odds units, where the loss is in
 * battle units (weight-1 battles), so its pull on a model fades as that model's battles accumulate. The default
 * ridge 1e-6 (prior sd 1000 log10-odds, 400,000 points) moves ratings by well under 0.001 points on ordinary data
 * (about 1e-6 points on the 230-battle example in the tests), but keeps them finite where the plain MLE does not
 * exist: a model that always wins (or always loses) ends up some thousands of points (growing with log(1/ridge))
 * above (below) its opponents instead of at infinity (10 straight wins over a model that splits 5–5 with a third:
 * +2700 points). Because each component is mean-centred, such a model also drags the others' displayed ratings
 * (−900 points in that example); anchor the scale on a well-connected model to avoid that.
 * With {@code ridge = 0} the fit is the exact MLE and throws {@link IllegalStateException} when that MLE does not
 * exist. Because the loss is invariant to a common shift and the ridge gradient sums to zero only at mean 0, the
 * ratings of every connected component of the comparison graph average {@code initRating} — the same normalisation
 * as Arena's L-BFGS started from zero. Ratings in different components are <em>not</em> comparable; check
 * {@link #components}. With {@link Options#anchoredAt} all ratings are shifted so the anchor model gets the given
 * rating (Arena: mixtral-8x7b-instruct-v0.1 = 1114), in every bootstrap round too — the anchor then has a
 * zero-width interval (FastChat #3377).
 *
 * <p><b>Bootstrap.</b> Each round draws N battles with replacement from the N given (Arena draws the same
 * multinomial over unique outcome rows), refits, and reports percentile bounds; models absent from a round are left
 * out of that round's percentiles (Arena would pin them at the initial rating), and rounds that miss the anchor
 * model (or, with {@code ridge = 0}, have no finite MLE) are skipped. Ranks follow Arena's "Rank (UB)": 1 + the
 * number of models whose lower bound exceeds this model's upper bound.
 */
public final class BradleyTerry {


    /**
     * @param scale rating points per unit of {@code log_base} odds (400)
     * @param base odds base (10)
     * @param initRating mean rating of each connected component when no anchor is set (1000)
     * @param anchorModel optional model pinned to {@code anchorRating} (null: none)
     * @param ridge L2 penalty (ridge/2)·Σθ² added to the weighted negative log-likelihood ({@code >= 0}; default 1e-6)
     * @param maxIterations Newton iterations per fit before giving up
     * @param tolerance convergence threshold on the largest Newton step, in θ units
     */
    public record Options(double scale, double base, double initRating, String anchorModel, double anchorRating,
            double ridge, int maxIterations, double tolerance) {

        public Options {
            if (!(scale > 0) || !(base > 1) || !Double.isFinite(initRating)) {
                throw new IllegalArgumentException("need scale > 0, base > 1 and a finite initRating");
            }
            if (anchorModel != null && !Double.isFinite(anchorRating)) {
                throw new IllegalArgumentException("anchor rating must be finite, got " + anchorRating);
            }
            if (!(ridge >= 0) || !Double.isFinite(ridge)) {
                throw new IllegalArgumentException("ridge must be >= 0, got " + ridge);
            }
            if (maxIterations < 1 || !(tolerance > 0)) {
                throw new IllegalArgumentException("need maxIterations >= 1 and tolerance > 0");
            }
        }

        /** Arena defaults: scale 400, base 10, init 1000, no anchor, ridge 1e-6. */
        public static Options arena() {
            return new Options(400, 10, 1000, null, Double.NaN, 1e-6, 500, 1e-10);
        }

        public Options anchoredAt(String model, double rating) {
            return new Options(scale, base, initRating, Objects.requireNonNull(model, "model"), rating, ridge,
                    maxIterations, tolerance);
        }

        public Options withRidge(double newRidge) {
            return new Options(scale, base, initRating, anchorModel, anchorRating, newRidge, maxIterations, tolerance);
        }
    }

    private final Options options;

    public BradleyTerry() {
        this(Options.arena());
    }

    public BradleyTerry(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    /** Expected score of a model rated {@code ratingA} against one rated {@code ratingB} on this scale. */
    public double winProbability(double ratingA, double ratingB) {
        return 1.0 / (1.0 + Math.pow(options.base(), (ratingB - ratingA) / options.scale()));
    }

    /**
     * Point ratings (penalised MLE) as an unmodifiable map in rating order, highest first (ties by name).
     *
     * @throws IllegalArgumentException for no battles, or an anchor model that never battled
     * @throws IllegalStateException with {@code ridge = 0} when the MLE does not exist
     */
    public Map<String, Double> fit(List<Battle> battles) {
        List<String> models = models(battles);
        double[][] scores = scores(battles, models);
        double[] theta = solve(scores, new double[models.size()]);
        double[] ratings = display(theta, models);
        if (ratings == null) {
            throw new IllegalArgumentException("anchor model never battled: " + options.anchorModel());
        }
        Integer[] order = byRatingDescending(ratings, models);
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i : order) {
            out.put(models.get(i), ratings[i]);
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /**
     * Point ratings with percentile-bootstrap intervals and CI-separation ranks, highest rating first.
     *
     * @param rounds bootstrap rounds (Arena: 100–1000); 0 gives NaN bounds and rank 1 for everyone
     * @param seed seed of the {@link SplittableRandom} that draws the resamples
     * @param level interval level, e.g. 0.95 (Arena's 2.5 %/97.5 % bounds)
     */
    public List<Rating> bootstrap(List<Battle> battles, int rounds, long seed, double level) {
        Percentiles.checkRounds(rounds);
        Percentiles.checkLevel(level);
        List<String> models = models(battles);
        int n = models.size();
        double[][] scores = scores(battles, models);
        double[] theta = solve(scores, new double[n]);
        double[] point = display(theta, models);
        if (point == null) {
            throw new IllegalArgumentException("anchor model never battled: " + options.anchorModel());
        }
        Map<String, Integer> index = index(models);
        int size = battles.size();
        int[] as = new int[size];
        int[] bs = new int[size];
        for (int k = 0; k < size; k++) {
            as[k] = index.get(battles.get(k).modelA());
            bs[k] = index.get(battles.get(k).modelB());
        }
        double[][] replicates = new double[n][rounds];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int r = 0; r < rounds; r++) {
            double[][] resampled = new double[n][n];
            for (int k = 0; k < size; k++) {
                int pick = rng.nextInt(size);
                add(resampled, as[pick], bs[pick], battles.get(pick));
            }
            double[] sample = replicate(resampled, models, theta);
            for (int i = 0; i < n; i++) {
                replicates[i][r] = sample == null ? Double.NaN : sample[i];
            }
        }
        double[] low = new double[n];
        double[] high = new double[n];
        for (int i = 0; i < n; i++) {
            Interval ci = Percentiles.interval(replicates[i], level);
            low[i] = ci.lower();
            high[i] = ci.upper();
        }
        List<Rating> out = new ArrayList<>(n);
        for (int i : byRatingDescending(point, models)) {
            int better = 0;
            for (int j = 0; j < n; j++) {
                if (low[j] > high[i]) {
                    better++;
                }
            }
            out.add(new Rating(models.get(i), point[i], low[i], high[i], 1 + better));
        }
        return List.copyOf(out);
    }

    /** Connected components of the comparison graph (models linked by at least one battle), largest first. */
    public static List<Set<String>> components(List<Battle> battles) {
        List<String> models = models(battles);
        int[] parent = new int[models.size()];
        Arrays.setAll(parent, i -> i);
        Map<String, Integer> index = index(models);
        for (Battle b : battles) {
            union(parent, index.get(b.modelA()), index.get(b.modelB()));
        }
        Map<Integer, Set<String>> byRoot = new LinkedHashMap<>();
        for (int i = 0; i < models.size(); i++) {
            byRoot.computeIfAbsent(find(parent, i), k -> new TreeSet<>()).add(models.get(i));
        }
        List<Set<String>> out = new ArrayList<>();
        byRoot.values().forEach(s -> out.add(java.util.Collections.unmodifiableSet(new LinkedHashSet<>(s))));
        out.sort(Comparator.comparingInt((Set<String> s) -> -s.size()).thenComparing(s -> s.iterator().next()));
        return List.copyOf(out);
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Refit on resampled scores; display scale, NaN for models absent from the round, null if the anchor is. */
    private double[] replicate(double[][] scores, List<String> models, double[] warm) {
        int n = models.size();
        int[] present = presentModels(scores);
        double[][] sub = new double[present.length][present.length];
        double[] start = new double[present.length];
        for (int i = 0; i < present.length; i++) {
            start[i] = warm[present[i]];
            for (int j = 0; j < present.length; j++) {
                sub[i][j] = scores[present[i]][present[j]];
            }
        }
        double[] thetaSub;
        try {
            thetaSub = solve(sub, start);
        } catch (IllegalStateException e) {
            return null; // ridge 0 and no finite MLE for this resample: the round is skipped
        }
        double[] theta = new double[n];
        Arrays.fill(theta, Double.NaN);
        for (int i = 0; i < present.length; i++) {
            theta[present[i]] = thetaSub[i];
        }
        return display(theta, models);
    }

    private static int[] presentModels(double[][] scores) {
        int n = scores.length;
        return java.util.stream.IntStream.range(0, n).filter(i -> {
            for (int j = 0; j < n; j++) {
                if (scores[i][j] + scores[j][i] > 0) {
                    return true;
                }
            }
            return false;
        }).toArray();
    }

    /** θ → display ratings with the anchor shift; null if the anchor model has no rating. */
    private double[] display(double[] theta, List<String> models) {
        double[] r = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            r[i] = options.initRating() + options.scale() * theta[i];
        }
        if (options.anchorModel() != null) {
            int a = models.indexOf(options.anchorModel());
            if (a < 0 || Double.isNaN(r[a])) {
                return null;
            }
            double shift = options.anchorRating() - r[a];
            for (int i = 0; i < r.length; i++) {
                r[i] += shift;
            }
        }
        return r;
    }

    /**
     * Penalised MLE of θ for the score matrix ({@code scores[i][j]} = weighted score of i against j; every model has
     * at least one battle). Newton with Armijo backtracking; the Hessian gets {@code c·1_C1_Cᵀ/|C|} per connected
     * component C, which leaves steps orthogonal to the (loss-invariant) per-component shifts unchanged and makes
     * the system positive definite even when {@code ridge = 0}; starting from a per-component-centred point keeps
     * every component centred.
     */
    private double[] solve(double[][] scores, double[] start) {
        int n = scores.length;
        double alpha = Math.log(options.base());
        double ridge0 = options.ridge();
        double total = 0;
        int[] parent = new int[n];
        Arrays.setAll(parent, i -> i);
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double nij = scores[i][j] + scores[j][i];
                if (nij > 0) {
                    total += nij;
                    union(parent, i, j);
                }
            }
        }
        int[] component = new int[n];
        int[] componentSize = new int[n];
        for (int i = 0; i < n; i++) {
            component[i] = find(parent, i);
            componentSize[component[i]]++;
        }
        double[] theta = start.clone();
        centre(theta, component, componentSize);
        if (n == 1) {
            return theta;
        }
        double invW = 1.0 / total;
        double ridge = ridge0 * invW; // the objective is divided by W for conditioning
        NewtonSolver.Problem problem = new NewtonSolver.Problem() {
            @Override
            public double value(double[] t) {
                return objective(scores, t, alpha, invW, ridge);
            }

            @Override
            public void derivatives(double[] t, double[] grad, double[][] hess) {
                for (int i = 0; i < n; i++) {
                    grad[i] = ridge * t[i];
                    hess[i][i] = ridge;
                }
                for (int i = 0; i < n; i++) {
                    for (int j = i + 1; j < n; j++) {
                        double nij = scores[i][j] + scores[j][i];
                        if (nij == 0) {
                            continue;
                        }
                        double x = alpha * (t[i] - t[j]);
                        double p = sigmoid(x);
                        double q = sigmoid(-x);
                        // N·p − s_ij written without the cancellation of 1 − p when p ≈ 1
                        double g = alpha * invW * (scores[j][i] * p - scores[i][j] * q);
                        grad[i] += g;
                        grad[j] -= g;
                        double h = alpha * alpha * invW * nij * p * q;
                        hess[i][i] += h;
                        hess[j][j] += h;
                        hess[i][j] -= h;
                        hess[j][i] -= h;
                    }
                }
                double trace = 0;
                for (int i = 0; i < n; i++) {
                    trace += hess[i][i];
                }
                double c = Math.max(trace / n, Double.MIN_NORMAL);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        if (component[i] == component[j]) {
                            hess[i][j] += c / componentSize[component[i]];
                        }
                    }
                }
            }
        };
        double[] solution;
        try {
            solution = NewtonSolver.minimise(problem, theta, options.maxIterations(), options.tolerance());
        } catch (NonPositiveDefiniteMatrixException e) {
            throw new IllegalStateException("Bradley–Terry Hessian is not positive definite; use a ridge > 0", e);
        }
        if (solution == null) {
            throw new IllegalStateException("Bradley–Terry fit did not converge in " + options.maxIterations()
                    + " iterations" + (ridge0 == 0
                            ? ": the MLE does not exist (a model always wins or always loses); use a ridge > 0"
                            : ""));
        }
        return solution;
    }

    private static double objective(double[][] scores, double[] theta, double alpha, double invW, double ridge) {
        int n = scores.length;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (scores[i][j] == 0 && scores[j][i] == 0) {
                    continue;
                }
                double x = alpha * (theta[i] - theta[j]);
                loss += scores[i][j] * softplus(-x) + scores[j][i] * softplus(x);
            }
        }
        double penalty = 0;
        for (double t : theta) {
            penalty += t * t;
        }
        return loss * invW + 0.5 * ridge * penalty;
    }

    private static void centre(double[] theta, int[] component, int[] componentSize) {
        double[] sums = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            sums[component[i]] += theta[i];
        }
        for (int i = 0; i < theta.length; i++) {
            theta[i] -= sums[component[i]] / componentSize[component[i]];
        }
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** log(1 + e^x) without overflow. */
    static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    private static List<String> models(List<Battle> battles) {
        Objects.requireNonNull(battles, "battles");
        if (battles.isEmpty()) {
            throw new IllegalArgumentException("no battles");
        }
        TreeSet<String> set = new TreeSet<>();
        for (Battle b : battles) {
            set.add(b.modelA());
            set.add(b.modelB());
        }
        return List.copyOf(set);
    }

    private static Map<String, Integer> index(List<String> models) {
        Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < models.size(); i++) {
            index.put(models.get(i), i);
        }
        return index;
    }

    private static double[][] scores(List<Battle> battles, List<String> models) {
        Map<String, Integer> index = index(models);
        double[][] s = new double[models.size()][models.size()];
        for (Battle b : battles) {
            add(s, index.get(b.modelA()), index.get(b.modelB()), b);
        }
        return s;
    }

    private static void add(double[][] s, int a, int b, Battle battle) {
        s[a][b] += battle.weight() * battle.outcome();
        s[b][a] += battle.weight() * (1 - battle.outcome());
    }

    private static Integer[] byRatingDescending(double[] ratings, List<String> models) {
        Integer[] order = new Integer[ratings.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -ratings[i]).thenComparing(models::get));
        return order;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a);
        int rb = find(parent, b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }
}
