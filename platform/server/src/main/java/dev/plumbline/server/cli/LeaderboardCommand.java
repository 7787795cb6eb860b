package dev.plumbline.server.cli;

import dev.plumbline.server.eval.RunSummary.MetricSummary;
import dev.plumbline.server.leaderboard.Leaderboard;
import dev.plumbline.server.leaderboard.LeaderboardBuilder;
import dev.plumbline.server.leaderboard.LeaderboardTemplates;
import dev.plumbline.server.leaderboard.LeaderboardView;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "leaderboard", mixinStandardHelpOptions = true,
        description = "Print the leaderboard of succeeded evaluation runs (a suite's, or overall) with 95%% intervals.")
public class LeaderboardCommand implements Callable<Integer> {

    @Option(names = "--suite", defaultValue = "", description = "Suite id; omitted: the overall board.")
    String suite;

    @Option(names = "--metric", defaultValue = "", description = "Metric to rank by (default: the suite's primary, or rating).")
    String metric;

    @Option(names = "--html", paramLabel = "FILE",
            description = "Write the board as a self-contained HTML page (table, inline SVG plots) instead of printing it.")
    Path html;

    @Inject
    LeaderboardBuilder leaderboards;

    @Override
    public Integer call() throws IOException {
        Leaderboard board = leaderboards.build(suite, metric);
        if (html == null) {
            print(board, System.out);
            return 0;
        }
        // Same template as GET /leaderboard; no navigation links, the server's paths mean nothing in a file.
        String page = LeaderboardTemplates.page(LeaderboardView.of(board, List.of())).render();
        Path target = html.toAbsolutePath();
        if (target.getParent() != null) {
            Files.createDirectories(target.getParent());
        }
        Files.writeString(target, page, StandardCharsets.UTF_8);
        System.out.println("wrote " + target);
        return 0;
    }

    static void print(Leaderboard board, PrintStream out) {
        out.printf("%s — ranked by %s (%s is better; ranks shared while 95%% intervals overlap)%n",
                board.suite().isEmpty() ? "overall" : "suite " + board.suite(), board.metric(),
                board.higherIsBetter() ? "higher" : "lower");
        if (board.entries().isEmpty()) {
            out.println("no succeeded evaluation runs yet");
            return;
        }
        List<String> columns = new ArrayList<>();
        columns.add(board.metric());
        board.entries().forEach(e -> e.metrics().keySet().stream().filter(k -> !columns.contains(k)).forEach(columns::add));
        boolean rated = board.entries().stream().anyMatch(e -> e.rating() != null);
        List<String[]> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("rank", "model"));
        if (rated) {
            header.add("rating [95% CI]");
        }
        columns.stream().filter(c -> !c.equals(Leaderboard.RATING)).forEach(header::add);
        header.add("runs");
        rows.add(header.toArray(String[]::new));
        for (Leaderboard.Entry e : board.entries()) {
            List<String> row = new ArrayList<>(List.of(e.rank() == 0 ? "-" : Integer.toString(e.rank()), e.model()));
            if (rated) {
                row.add(e.rating() == null ? "" : String.format(java.util.Locale.ROOT, "%.0f [%.0f, %.0f]", e.rating(),
                        e.ratingCiLow(), e.ratingCiHigh()));
            }
            columns.stream().filter(c -> !c.equals(Leaderboard.RATING)).forEach(c -> row.add(cell(e.metric(c))));
            row.add(Integer.toString(e.runIds().size()));
            rows.add(row.toArray(String[]::new));
        }
        TextTable.print(rows, out);
        if (!board.winRateModels().isEmpty()) {
            out.println();
            out.println("win rates (row beats column):");
            List<String[]> matrix = new ArrayList<>();
            List<String> head = new ArrayList<>(List.of(""));
            head.addAll(board.winRateModels());
            matrix.add(head.toArray(String[]::new));
            for (int i = 0; i < board.winRateModels().size(); i++) {
                List<String> row = new ArrayList<>(List.of(board.winRateModels().get(i)));
                for (double v : board.winRates()[i]) {
                    row.add(Double.isNaN(v) ? "-" : String.format(java.util.Locale.ROOT, "%.2f", v));
                }
                matrix.add(row.toArray(String[]::new));
            }
            TextTable.print(matrix, out);
        }
    }

    private static String cell(MetricSummary m) {
        if (m == null) {
            return "";
        }
        String value = EvalCommand.fmt(m.value());
        return m.ciLow() == null ? value : value + " [" + EvalCommand.fmt(m.ciLow()) + ", " + EvalCommand.fmt(m.ciHigh()) + "]";
    }
}
