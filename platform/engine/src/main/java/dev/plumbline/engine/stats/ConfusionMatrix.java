package dev.plumbline.engine.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Counts of (gold, predicted) label pairs. Rows are gold labels, columns predicted labels, both in
 * {@link #labels()} order.
 */
public record ConfusionMatrix(List<String> labels, long[][] counts) {

    public ConfusionMatrix {
        labels = List.copyOf(labels);
        if (counts.length != labels.size()) {
            throw new IllegalArgumentException("counts has " + counts.length + " rows for " + labels.size() + " labels");
        }
        long[][] copy = new long[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            if (counts[i].length != labels.size()) {
                throw new IllegalArgumentException("row " + i + " has " + counts[i].length + " columns");
            }
            for (long c : counts[i]) {
                if (c < 0) {
                    throw new IllegalArgumentException("negative count in row " + i);
                }
            }
            copy[i] = counts[i].clone();
        }
        counts = copy;
    }

    /**
     * Tallies paired labels. Labels seen in the data but not listed in {@code labels} are appended in
     * first-seen order, so a judge that invents a label shows up as its own column instead of vanishing.
     */
    public static ConfusionMatrix of(List<String> labels, List<String> gold, List<String> predicted) {
        Objects.requireNonNull(gold, "gold");
        Objects.requireNonNull(predicted, "predicted");
        if (gold.size() != predicted.size()) {
            throw new IllegalArgumentException("gold has " + gold.size() + " labels, predicted " + predicted.size());
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        for (String l : labels) {
            index.putIfAbsent(Objects.requireNonNull(l, "label"), index.size());
        }
        for (int i = 0; i < gold.size(); i++) {
            index.putIfAbsent(Objects.requireNonNull(gold.get(i), "gold[" + i + "]"), index.size());
            index.putIfAbsent(Objects.requireNonNull(predicted.get(i), "predicted[" + i + "]"), index.size());
        }
        long[][] counts = new long[index.size()][index.size()];
        for (int i = 0; i < gold.size(); i++) {
            counts[index.get(gold.get(i))][index.get(predicted.get(i))]++;
        }
        return new ConfusionMatrix(new ArrayList<>(index.keySet()), counts);
    }

    public static ConfusionMatrix of(List<String> gold, List<String> predicted) {
        return of(List.of(), gold, predicted);
    }

    public long total() {
        long n = 0;
        for (long[] row : counts) {
            for (long c : row) {
                n += c;
            }
        }
        return n;
    }

    /** Pairs on the diagonal. */
    public long agreements() {
        long a = 0;
        for (int i = 0; i < counts.length; i++) {
            a += counts[i][i];
        }
        return a;
    }

    public long count(String gold, String predicted) {
        return counts[indexOf(gold)][indexOf(predicted)];
    }

    public long goldTotal(String label) {
        return Arrays.stream(counts[indexOf(label)]).sum();
    }

    public long predictedTotal(String label) {
        int j = indexOf(label);
        long s = 0;
        for (long[] row : counts) {
            s += row[j];
        }
        return s;
    }

    /** Of the items predicted {@code label}, the share whose gold label is {@code label}; NaN if none predicted. */
    public double precision(String label) {
        long p = predictedTotal(label);
        return p == 0 ? Double.NaN : (double) count(label, label) / p;
    }

    /** Of the items whose gold label is {@code label}, the share predicted {@code label}; NaN if none. */
    public double recall(String label) {
        long g = goldTotal(label);
        return g == 0 ? Double.NaN : (double) count(label, label) / g;
    }

    /** Harmonic mean of precision and recall; 0 when both are 0, NaN when either is undefined. */
    public double f1(String label) {
        double p = precision(label);
        double r = recall(label);
        if (Double.isNaN(p) || Double.isNaN(r)) {
            return Double.NaN;
        }
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** The matrix with labels merged by {@code mapping} (e.g. full and partial refusal → refusal). */
    public ConfusionMatrix collapse(Map<String, String> mapping) {
        List<String> order = new ArrayList<>();
        for (String l : labels) {
            String m = mapping.getOrDefault(l, l);
            if (!order.contains(m)) {
                order.add(m);
            }
        }
        long[][] merged = new long[order.size()][order.size()];
        for (int i = 0; i < labels.size(); i++) {
            int gi = order.indexOf(mapping.getOrDefault(labels.get(i), labels.get(i)));
            for (int j = 0; j < labels.size(); j++) {
                int pj = order.indexOf(mapping.getOrDefault(labels.get(j), labels.get(j)));
                merged[gi][pj] += counts[i][j];
            }
        }
        return new ConfusionMatrix(order, merged);
    }

    private int indexOf(String label) {
        int i = labels.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("unknown label '" + label + "'; labels: " + labels);
        }
        return i;
    }

    /** A plain-text table, rows gold and columns predicted. */
    public String toTable() {
        int w = 8;
        for (String l : labels) {
            w = Math.max(w, l.length() + 2);
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-" + w + "s", "gold\\pred"));
        for (String l : labels) {
            sb.append(String.format(Locale.ROOT, "%" + w + "s", l));
        }
        sb.append('\n');
        for (int i = 0; i < labels.size(); i++) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s", labels.get(i)));
            for (long c : counts[i]) {
                sb.append(String.format(Locale.ROOT, "%" + w + "d", c));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfusionMatrix m && labels.equals(m.labels) && Arrays.deepEquals(counts, m.counts);
    }

    @Override
    public int hashCode() {
        return 31 * labels.hashCode() + Arrays.deepHashCode(counts);
    }

    @Override
    public String toString() {
        return toTable();
    }
}
