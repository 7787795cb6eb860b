package dev.plumbline.engine.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Win rates from pairwise battles: Chatbot Arena's pairwise win-fraction and battle-count matrices
 * ({@code elo_analysis.py}, evaluation.md §2.4) and MT-Bench's per-model win / loss / tie rates
 * (FastChat {@code fastchat/llm_judge/show_result.py}, {@code --mode pairwise-baseline | pairwise-all}; §2.3).
 *
 * <p>Counts are weighted by {@link Battle#weight()} (equal to plain counts for weight-1 battles). Position-swap
 * handling (MT-Bench: a pair whose two games disagree counts as a tie) happens before battles are built.
 */
public final class WinRates {

    private WinRates() {}

    /**
     * Pairwise matrices over {@code models} (sorted by name). {@code winRate[i][j]} = (wins + 0.5·ties) of model i
     * against model j over all their battles, whichever side each was on (soft outcomes count fractionally);
     * {@code battles[i][j]} = total weight of their battles (symmetric). Entries with no battles, and the diagonal,
     * are NaN / 0. Arrays are owned by the record: do not mutate.
     */
    public record Matrix(List<String> models, double[][] winRate, double[][] battles) {

        public double winRate(String a, String b) {
            return winRate[index(a)][index(b)];
        }

        public double battles(String a, String b) {
            return battles[index(a)][index(b)];
        }

        private int index(String model) {
            int i = models.indexOf(model);
            if (i < 0) {
                throw new IllegalArgumentException("unknown model: " + model);
            }
            return i;
        }
    }

    /**
     * MT-Bench-style row for one model.
     *
     * @param wins weighted count of battles the model won (outcome 1 from its side)
     * @param losses weighted count it lost
     * @param ties weighted count of ties (outcome 0.5)
     * @param winRate {@code W/(W+L+T)}
     * @param lossRate {@code L/(W+L+T)}
     * @param winRateAdjusted {@code (W + 0.5·T)/(W+L+T)} — the column MT-Bench sorts by (FastChat #1886)
     */
    public record Summary(String model, double wins, double losses, double ties, double winRate, double lossRate,
            double winRateAdjusted) {

        public double total() {
            return wins + losses + ties;
        }
    }

    public static Matrix matrix(List<Battle> battles) {
        Objects.requireNonNull(battles, "battles");
        TreeSet<String> names = new TreeSet<>();
        for (Battle b : battles) {
            names.add(b.modelA());
            names.add(b.modelB());
        }
        List<String> models = List.copyOf(names);
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < models.size(); i++) {
            index.put(models.get(i), i);
        }
        int n = models.size();
        double[][] score = new double[n][n];
        double[][] count = new double[n][n];
        for (Battle b : battles) {
            int a = index.get(b.modelA());
            int c = index.get(b.modelB());
            score[a][c] += b.weight() * b.outcome();
            score[c][a] += b.weight() * (1 - b.outcome());
            count[a][c] += b.weight();
            count[c][a] += b.weight();
        }
        double[][] rate = new double[n][n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(rate[i], Double.NaN);
            for (int j = 0; j < n; j++) {
                if (i != j && count[i][j] > 0) {
                    rate[i][j] = score[i][j] / count[i][j];
                }
            }
        }
        return new Matrix(models, rate, count);
    }

    /**
     * MT-Bench {@code pairwise-baseline}: each other model's W/L/T against {@code baseline}, from that model's side;
     * battles not involving the baseline are ignored. Sorted by {@code winRateAdjusted}, highest first.
     *
     * @throws IllegalArgumentException if an outcome is not 0, 0.5 or 1
     */
    public static List<Summary> versusBaseline(List<Battle> battles, String baseline) {
        Objects.requireNonNull(baseline, "baseline");
        List<Battle> fromModelSide = new ArrayList<>();
        for (Battle b : battles) {
            if (b.modelB().equals(baseline)) {
                fromModelSide.add(b);
            } else if (b.modelA().equals(baseline)) {
                fromModelSide.add(b.swapped());
            }
        }
        return tally(fromModelSide, false);
    }

    /**
     * MT-Bench {@code pairwise-all}: each model's W/L/T over all its battles, against any opponent.
     * Sorted by {@code winRateAdjusted}, highest first.
     *
     * @throws IllegalArgumentException if an outcome is not 0, 0.5 or 1
     */
    public static List<Summary> pairwiseAll(List<Battle> battles) {
        return tally(battles, true);
    }

    private static List<Summary> tally(List<Battle> battles, boolean bothSides) {
        Map<String, double[]> wlt = new LinkedHashMap<>();
        for (Battle b : battles) {
            int slot;
            if (b.outcome() == Battle.A_WINS) {
                slot = 0;
            } else if (b.outcome() == Battle.B_WINS) {
                slot = 1;
            } else if (b.outcome() == Battle.TIE) {
                slot = 2;
            } else {
                throw new IllegalArgumentException("MT-Bench counts need outcomes 0, 0.5 or 1, got " + b.outcome());
            }
            wlt.computeIfAbsent(b.modelA(), k -> new double[3])[slot] += b.weight();
            if (bothSides) {
                int mirrored = slot == 2 ? 2 : 1 - slot;
                wlt.computeIfAbsent(b.modelB(), k -> new double[3])[mirrored] += b.weight();
            }
        }
        List<Summary> out = new ArrayList<>();
        wlt.forEach((model, c) -> {
            double total = c[0] + c[1] + c[2];
            out.add(new Summary(model, c[0], c[1], c[2], c[0] / total, c[1] / total, (c[0] + 0.5 * c[2]) / total));
        });
        out.sort(Comparator.comparingDouble((Summary r) -> -r.winRateAdjusted()).thenComparing(Summary::model));
        return List.copyOf(out);
    }
}
