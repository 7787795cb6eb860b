package dev.plumbline.server.runpage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What the run page template shows: cells as text and the training curves as finished SVG
 * coordinates (Locale.ROOT strings), so the template only lays out markup and Qute escapes every
 * name and value.
 *
 * @param outputModel the trained model's id (training runs), else empty
 * @param curves one line chart per metric over steps (training runs), in a fixed order
 * @param checkpoints the checkpoints the run recorded (training runs)
 * @param reportJson links to the report of an evaluation run, else empty
 */
public record RunPageView(
        String title,
        String id,
        String kind,
        String name,
        String state,
        String stateMessage,
        String algorithm,
        String baseModel,
        String outputModel,
        String created,
        String started,
        String ended,
        String duration,
        String progress,
        String error,
        List<Entry> config,
        List<Entry> latestMetrics,
        List<Curve> curves,
        List<Checkpoint> checkpoints,
        List<Event> events,
        String reportJson,
        String reportCsv,
        String leaderboard,
        String generatedAt) {

    public record Entry(String key, String value) {}

    /** A checkpoint row; {@code present} is false once save_total_limit removed it from disk. */
    public record Checkpoint(String step, String kind, String modelId, String directory, String created, boolean present) {}

    public record Event(String sequence, String time, String type, String text) {}

    /** A run in the list page. */
    public record RunLink(String id, String href, String kind, String name, String state, String created,
            String progress, String summary) {}

    /**
     * A line chart of one metric: the polyline's points in plot coordinates, axis ticks and labels.
     *
     * @param points {@code x,y} pairs separated by spaces, one per logged step
     * @param pointCount how many points the polyline has
     */
    public record Curve(String id, String metric, String description, String width, String height, String plotLeft,
            String plotRight, String plotTop, String plotBottom, List<Tick> xTicks, List<Tick> yTicks, String points,
            int pointCount, String lastX, String lastY, String lastValue) {}

    /** An axis tick: position (x for the step axis, y for the value axis) and label. */
    public record Tick(String at, String label) {}

    /** Metrics drawn first, in this order; the rest follow alphabetically. {@code epoch} is not drawn. */
    static final List<String> CURVE_ORDER = List.of("loss", "rewards/margins", "rewards/accuracies", "rewards/chosen",
            "rewards/rejected", "reward", "reward_std", "kl", "objective/kl", "objective/rlhf_reward", "learning_rate",
            "grad_norm");

    private static final int WIDTH = 360;
    private static final int HEIGHT = 200;
    private static final int LEFT = 64;
    private static final int RIGHT = 348;
    private static final int TOP = 14;
    private static final int BOTTOM = 164;

    /** One curve per metric from {@code metric -> step -> value} (later values of a step win, e.g. after a resume). */
    static List<Curve> curves(Map<String, NavigableMap<Long, Double>> series) {
        List<String> names = new ArrayList<>();
        CURVE_ORDER.stream().filter(series::containsKey).forEach(names::add);
        new TreeMap<>(series).keySet().stream().filter(n -> !names.contains(n) && !n.equals("epoch")).forEach(names::add);
        List<Curve> curves = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            NavigableMap<Long, Double> points = series.get(names.get(i));
            if (!points.isEmpty()) {
                curves.add(curve("curve-" + (i + 1), names.get(i), points));
            }
        }
        return curves;
    }

    static Curve curve(String id, String metric, NavigableMap<Long, Double> points) {
        long s0 = points.firstKey();
        long s1 = points.lastKey();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double v : points.values()) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
            double pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.05 : 1;
            lo -= pad;
            hi += pad;
        }
        StringBuilder line = new StringBuilder();
        String lastX = "";
        String lastY = "";
        for (Map.Entry<Long, Double> e : points.entrySet()) {
            lastX = num(x(e.getKey(), s0, s1));
            lastY = num(y(e.getValue(), lo, hi));
            line.append(line.length() == 0 ? "" : " ").append(lastX).append(',').append(lastY);
        }
        List<Tick> xTicks = new ArrayList<>();
        Map<Long, Boolean> steps = new LinkedHashMap<>();
        steps.put(s0, true);
        if (s1 - s0 >= 2) {
            steps.put(s0 + (s1 - s0) / 2, true);
        }
        steps.put(s1, true);
        steps.keySet().forEach(s -> xTicks.add(new Tick(num(x(s, s0, s1)), Long.toString(s))));
        List<Tick> yTicks = List.of(new Tick(num(y(hi, lo, hi)), label(hi)), new Tick(num(y((lo + hi) / 2, lo, hi)),
                label((lo + hi) / 2)), new Tick(num(y(lo, lo, hi)), label(lo)));
        double last = points.lastEntry().getValue();
        String description = metric + " over " + points.size() + (points.size() == 1 ? " logged step" : " logged steps")
                + " (steps " + s0 + "–" + s1 + "), last " + label(last);
        return new Curve(id, metric, description, Integer.toString(WIDTH), Integer.toString(HEIGHT),
                Integer.toString(LEFT), Integer.toString(RIGHT), Integer.toString(TOP), Integer.toString(BOTTOM), xTicks,
                yTicks, line.toString(), points.size(), lastX, lastY, label(last));
    }

    private static double x(long step, long s0, long s1) {
        return s1 == s0 ? (LEFT + RIGHT) / 2.0 : LEFT + (double) (step - s0) / (s1 - s0) * (RIGHT - LEFT);
    }

    private static double y(double v, double lo, double hi) {
        return BOTTOM - (v - lo) / (hi - lo) * (BOTTOM - TOP);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A compact value label: 4 significant digits, scientific for very small or large magnitudes. */
    static String label(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e4) {
            return String.format(Locale.ROOT, "%.4g", v).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
        }
        return String.format(Locale.ROOT, "%.3e", v).replaceAll("(\\.\\d*?)0+e", "$1e").replaceAll("\\.e", "e");
    }
}
