package dev.plumbline.server.leaderboard;

import dev.plumbline.server.eval.RunSummary.MetricSummary;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the HTML leaderboard template shows: table cells as text and the SVG plots as finished
 * coordinates, so the template only lays out markup and Qute escapes every model and metric name.
 *
 * @param suiteLinks navigation between boards; empty for a static file, where server paths mean nothing
 * @param otherColumns metric columns after the ranking column, in first-seen order
 * @param rankingChart point and 95 % interval per model on the ranking value; {@code null} without values
 * @param metricCharts one bar chart per other metric, a bar (and interval whisker) per model
 * @param winRates {@code null} when the board has no pairwise results
 */
public record LeaderboardView(
        String title,
        String boardName,
        String metric,
        String direction,
        boolean overall,
        List<SuiteLink> suiteLinks,
        String rankingHeader,
        List<String> otherColumns,
        List<Row> rows,
        Chart rankingChart,
        List<Chart> metricCharts,
        Heatmap winRates,
        String generatedAt) {

    public record SuiteLink(String label, String href, boolean current) {}

    /** One table row; {@code rank} is "–" for a model without a value for the ranking metric. */
    public record Row(String rank, String model, String rankingCell, List<String> otherCells, long samples,
            long judgeFailures, int runs, String runIds) {}

    /**
     * A horizontal chart with one band per model. Coordinates are preformatted strings (Locale.ROOT)
     * so the SVG never depends on the JVM's locale.
     */
    public record Chart(String id, String title, String description, boolean bars, String width, String height,
            String plotLeft, String plotRight, String axisY, String zeroX, List<Tick> ticks, List<Mark> marks) {}

    public record Tick(String x, String label) {}

    /**
     * One model's mark: the point {@code x} with interval {@code low..high} (when {@code interval}),
     * or for bar charts the bar from {@code barX} of {@code barWidth}.
     */
    public record Mark(String model, String valueText, String labelY, String y, String barY, String barHeight, String x,
            boolean interval, String low, String high, String barX, String barWidth) {}

    public record Heatmap(List<String> models, List<HeatRow> rows) {}

    public record HeatRow(String model, List<HeatCell> cells) {}

    /** {@code style} colours the cell: blue above 0.5 (row wins more), orange below, blank where they never met. */
    public record HeatCell(String text, String style, String description) {}

    private static final int RANKING_CHART_WIDTH = 720;
    private static final int BAR_CHART_WIDTH = 500; // two per row on a wide screen, text still legible
    private static final int LABEL_WIDTH = 170;
    private static final int RIGHT_MARGIN = 24;
    private static final int TOP = 8;
    private static final int BAND = 26;
    private static final int AXIS_HEIGHT = 28;

    /** {@code suites}: suites for the navigation links (empty: none, e.g. a static file). */
    public static LeaderboardView of(Leaderboard board, List<String> suites) {
        boolean overall = board.suite().isEmpty();
        String boardName = overall ? "overall" : board.suite();
        boolean rankedByRating = board.metric().equals(Leaderboard.RATING);
        boolean rated = board.entries().stream().anyMatch(e -> e.rating() != null);

        List<String> others = new ArrayList<>();
        if (rated && !rankedByRating) {
            others.add(Leaderboard.RATING);
        }
        board.entries().forEach(e -> e.metrics().keySet().stream()
                .filter(k -> !k.equals(board.metric()) && !others.contains(k)).forEach(others::add));

        List<Row> rows = new ArrayList<>();
        for (Leaderboard.Entry e : board.entries()) {
            List<String> cells = others.stream().map(c -> cell(value(e, c))).toList();
            MetricSummary ranking = value(e, board.metric());
            rows.add(new Row(e.rank() == 0 ? "–" : Integer.toString(e.rank()), e.model(), cell(ranking), cells,
                    samples(board, e), judgeFailures(board, e), e.runIds().size(), String.join(", ", e.runIds())));
        }

        List<SuiteLink> links = new ArrayList<>();
        if (!suites.isEmpty()) {
            links.add(new SuiteLink("overall", "/leaderboard", overall));
            suites.forEach(s -> links.add(new SuiteLink(s, "/leaderboard/" + s, s.equals(board.suite()))));
        }

        Chart rankingChart = chart("chart-ranking", board.metric() + (rankedByRating ? " (Bradley–Terry)" : ""),
                "Point and 95% interval of " + board.metric() + " per model, in rank order", false,
                valuesOf(board, board.metric()));
        List<Chart> metricCharts = new ArrayList<>();
        for (String c : others) {
            Chart chart = chart("chart-" + (metricCharts.size() + 1), c, "Bar per model of " + c + ", whisker = 95% interval",
                    true, valuesOf(board, c));
            if (chart != null) {
                metricCharts.add(chart);
            }
        }
        return new LeaderboardView("Plumbline leaderboard — " + boardName, boardName, board.metric(),
                board.higherIsBetter() ? "higher" : "lower", overall, links,
                board.metric() + (hasInterval(board) ? " [95% CI]" : ""), others, rows, rankingChart,
                metricCharts, heatmap(board), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    private static MetricSummary value(Leaderboard.Entry e, String metric) {
        if (metric.equals(Leaderboard.RATING)) {
            return e.rating() == null ? null : new MetricSummary(e.rating(), e.ratingCiLow(), e.ratingCiHigh(), 0, 0);
        }
        return e.metric(metric);
    }

    /** The overall score is a mean of shares with no interval; every other ranking value has one. */
    private static boolean hasInterval(Leaderboard board) {
        return board.entries().stream().map(e -> value(e, board.metric())).anyMatch(m -> m != null && m.ciLow() != null);
    }

    /** Model → value, in board order, for models that have one. */
    private static Map<String, MetricSummary> valuesOf(Leaderboard board, String metric) {
        Map<String, MetricSummary> out = new LinkedHashMap<>();
        for (Leaderboard.Entry e : board.entries()) {
            MetricSummary m = value(e, metric);
            if (m != null && Double.isFinite(m.value())) {
                out.put(e.model(), m);
            }
        }
        return out;
    }

    /**
     * Samples behind the row: the ranking metric's count on a suite ranked by a metric; the largest
     * count over its metrics when ranked by rating (a rating has no count of its own); overall, the
     * sum over suites of each suite's ranking metric.
     */
    private static long samples(Leaderboard board, Leaderboard.Entry e) {
        if (board.suite().isEmpty()) {
            return e.metrics().entrySet().stream().filter(m -> !m.getKey().equals(Leaderboard.OVERALL_METRIC))
                    .mapToLong(m -> m.getValue().count()).sum();
        }
        MetricSummary ranking = e.metric(board.metric());
        return ranking != null ? ranking.count() : e.metrics().values().stream().mapToLong(MetricSummary::count).max().orElse(0);
    }

    /** Judge failures excluded from the same numbers {@link #samples} counts. */
    private static long judgeFailures(Leaderboard board, Leaderboard.Entry e) {
        if (board.suite().isEmpty()) {
            return e.metrics().entrySet().stream().filter(m -> !m.getKey().equals(Leaderboard.OVERALL_METRIC))
                    .mapToLong(m -> m.getValue().failures()).sum();
        }
        MetricSummary ranking = e.metric(board.metric());
        return ranking != null ? ranking.failures() : e.metrics().values().stream().mapToLong(MetricSummary::failures).max().orElse(0);
    }

    static String cell(MetricSummary m) {
        if (m == null || !Double.isFinite(m.value())) {
            return "";
        }
        String value = number(m.value());
        return m.ciLow() == null || m.ciHigh() == null ? value : value + " [" + number(m.ciLow()) + ", " + number(m.ciHigh()) + "]";
    }

    /** Three decimals for rates and scores, fewer for large numbers such as ratings and lengths. */
    static String number(double v) {
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.3f", v);
    }

    private static Chart chart(String id, String title, String description, boolean bars, Map<String, MetricSummary> values) {
        if (values.isEmpty()) {
            return null;
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (MetricSummary m : values.values()) {
            lo = Math.min(lo, m.ciLow() == null ? m.value() : Math.min(m.value(), m.ciLow()));
            hi = Math.max(hi, m.ciHigh() == null ? m.value() : Math.max(m.value(), m.ciHigh()));
        }
        if (bars) { // bars grow from zero, so zero must be on the axis
            lo = Math.min(lo, 0);
            hi = Math.max(hi, 0);
        }
        if (hi - lo < 1e-12) {
            lo -= 1;
            hi += 1;
        } else if (!bars) {
            double pad = (hi - lo) * 0.05;
            lo -= pad;
            hi += pad;
        }
        double step = niceStep((hi - lo) / 5);
        lo = Math.floor(lo / step + 1e-9) * step;
        hi = Math.ceil(hi / step - 1e-9) * step;

        int width = bars ? BAR_CHART_WIDTH : RANKING_CHART_WIDTH;
        int plotLeft = LABEL_WIDTH;
        int plotRight = width - RIGHT_MARGIN;
        double from = lo;
        double span = hi - lo;
        java.util.function.DoubleFunction<String> x = v -> px(plotLeft + (v - from) / span * (plotRight - plotLeft));

        List<Tick> ticks = new ArrayList<>();
        for (int i = 0; lo + i * step <= hi + step * 1e-6; i++) {
            double t = lo + i * step;
            ticks.add(new Tick(x.apply(t), tickLabel(t, step)));
        }
        List<Mark> marks = new ArrayList<>();
        int i = 0;
        for (var e : values.entrySet()) {
            MetricSummary m = e.getValue();
            double centre = TOP + i * BAND + BAND / 2.0;
            boolean interval = m.ciLow() != null && m.ciHigh() != null;
            double barStart = Math.min(0, m.value());
            double barEnd = Math.max(0, m.value());
            marks.add(new Mark(e.getKey(), cell(m), px(centre + 4), px(centre), px(centre - BAND * 0.3), px(BAND * 0.6),
                    x.apply(m.value()), interval, interval ? x.apply(m.ciLow()) : "", interval ? x.apply(m.ciHigh()) : "",
                    x.apply(barStart), px(Math.max(0.5, (barEnd - barStart) / span * (plotRight - plotLeft)))));
            i++;
        }
        int axisY = TOP + values.size() * BAND;
        return new Chart(id, title, description, bars, Integer.toString(width), Integer.toString(axisY + AXIS_HEIGHT),
                Integer.toString(plotLeft), Integer.toString(plotRight), Integer.toString(axisY),
                lo <= 0 && hi >= 0 ? x.apply(0) : "", ticks, marks);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
    static double niceStep(double rough) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double f : new double[] {1, 2, 5, 10}) {
            if (f * magnitude >= rough - 1e-12) {
                return f * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String tickLabel(double t, double step) {
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(t) < step * 1e-6 ? 0.0 : t);
    }

    private static String px(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static Heatmap heatmap(Leaderboard board) {
        if (board.winRateModels().isEmpty()) {
            return null;
        }
        List<HeatRow> rows = new ArrayList<>();
        for (int i = 0; i < board.winRateModels().size(); i++) {
            String rowModel = board.winRateModels().get(i);
            List<HeatCell> cells = new ArrayList<>();
            for (int j = 0; j < board.winRateModels().size(); j++) {
                double v = board.winRates()[i][j];
                String colModel = board.winRateModels().get(j);
                if (Double.isNaN(v)) {
                    cells.add(new HeatCell("–", "", i == j ? "same model" : rowModel + " never met " + colModel));
                    continue;
                }
                double strength = Math.min(1, Math.abs(v - 0.5) * 2);
                int lightness = (int) Math.round(96 - strength * 50);
                cells.add(new HeatCell(String.format(Locale.ROOT, "%.2f", v),
                        String.format(Locale.ROOT, "background-color:hsl(%d,70%%,%d%%);color:%s", v >= 0.5 ? 210 : 25,
                                lightness, lightness < 62 ? "#fff" : "#111"),
                        String.format(Locale.ROOT, "%s beats %s in %.0f%% of battles", rowModel, colModel, v * 100)));
            }
            rows.add(new HeatRow(rowModel, cells));
        }
        return new Heatmap(board.winRateModels(), rows);
    }
}
