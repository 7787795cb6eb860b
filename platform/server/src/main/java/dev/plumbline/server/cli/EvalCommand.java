package dev.plumbline.server.cli;

import dev.plumbline.engine.eval.CandidateResult;
import dev.plumbline.engine.eval.EvaluationReport;
import dev.plumbline.engine.eval.MetricResult;
import dev.plumbline.engine.eval.ReportWriters;
import dev.plumbline.engine.eval.SuiteLoader;
import dev.plumbline.server.eval.EvaluationConfig;
import dev.plumbline.server.eval.EvaluationService;
import dev.plumbline.spi.InvalidInputException;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Run an evaluation in this process (no server needed). It is recorded in the same database, so "
                + "'serve' lists it and the leaderboard includes it; prints each candidate's metrics with 95%% intervals.")
public class EvalCommand implements Callable<Integer> {

    @Option(names = "--suite", required = true, description = "Suite id (${COMPLETION-CANDIDATES}), 'all', or a suite YAML file.",
            completionCandidates = BuiltinSuites.class)
    String suite;

    @Option(names = "--model", description = "Model id to evaluate (repeatable; see 'plumbline models').")
    List<String> models = new ArrayList<>();

    @Option(names = "--responses", paramLabel = "NAME=FILE",
            description = "Precomputed responses (JSONL: id or prompt, response; sample for k > 1) under a name (repeatable).")
    List<String> responses = new ArrayList<>();

    @Option(names = "--datasets-dir", description = "External benchmark data (default: plumbline.datasets-dir).")
    Path datasetsDir;

    @Option(names = "--limit", defaultValue = "0", description = "First N items of each data file (0 = all).")
    int limit;

    @Option(names = "--seed", defaultValue = "0", description = "Generation seed (0 = the suite's).")
    long seed;

    @Option(names = "--param", paramLabel = "KEY=VALUE",
            description = "Override: generation.<setting> or <judge id>.<parameter>, e.g. llm-pairwise.base_url=http://… (repeatable).")
    List<String> params = new ArrayList<>();

    @Option(names = "--name", defaultValue = "", description = "Run name.")
    String name;

    @Option(names = "--out", description = "Directory for report.json and samples.csv (per suite with --suite all).")
    Path out;

    @Inject
    EvaluationService evaluations;

    static class BuiltinSuites extends ArrayList<String> {
        BuiltinSuites() {
            super(SuiteLoader.BUILTIN);
        }
    }

    @Override
    public Integer call() throws IOException {
        List<EvaluationConfig.CandidateConfig> candidates = new ArrayList<>();
        models.forEach(m -> candidates.add(new EvaluationConfig.CandidateConfig(null, m, null))); // named after the model
        for (String r : responses) {
            int eq = r.indexOf('=');
            if (eq <= 0 || eq == r.length() - 1) {
                throw new InvalidInputException("--responses", "expected NAME=FILE, got '" + r + "'");
            }
            candidates.add(new EvaluationConfig.CandidateConfig(r.substring(0, eq), null,
                    Path.of(r.substring(eq + 1)).toAbsolutePath().toString()));
        }
        if (candidates.isEmpty()) {
            throw new InvalidInputException("--model", "give at least one --model or --responses");
        }
        // 'all' means the benchmark suites; the demo's own small-task suites are run by 'demo'.
        List<String> suites = suite.equals("all")
                ? SuiteLoader.BUILTIN.stream().filter(s -> !SuiteLoader.DEMO.contains(s)).toList() : List.of(suite);
        PrintStream console = System.out;
        int failed = 0;
        for (String s : suites) {
            EvaluationConfig config = new EvaluationConfig(s, candidates, seed, limit, JudgeCommand.parameters(params), name,
                    datasetsDir == null ? null : datasetsDir.toAbsolutePath().toString());
            EvaluationService.Outcome outcome;
            try (EvalProgress progress = new EvalProgress(s, console)) {
                outcome = evaluations.runHere(config, progress);
            }
            console.printf("run %s: %s%s%n", outcome.run().id(), outcome.run().state(),
                    outcome.run().error() == null ? "" : " (" + outcome.run().error() + ")");
            if (outcome.report() == null) {
                failed++;
                continue;
            }
            printAggregates(outcome.report(), console);
            if (out != null) {
                Path dir = suites.size() == 1 ? out : out.resolve(s);
                Files.createDirectories(dir);
                ReportWriters.writeJson(outcome.report(), dir.resolve("report.json"), true);
                ReportWriters.writeCsv(outcome.report(), outcome.suite(),
                        dir.resolve("samples.csv"));
                console.printf("wrote %s and %s%n", dir.resolve("report.json"), dir.resolve("samples.csv"));
            }
        }
        return failed == 0 ? 0 : 1;
    }

    static void printAggregates(EvaluationReport report, PrintStream out) {
        out.printf("%nsuite %s v%d (%s set, %d items) — primary metric %s%n", report.manifest().suite().id(),
                report.manifest().suite().version(), report.manifest().dataset().builtin() ? "built-in" : "external",
                report.manifest().dataset().items(), report.manifest().suite().primaryMetric());
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"rank", "candidate", "metric", "value", "95% CI", "n", "failures"});
        for (CandidateResult c : report.candidates()) {
            int rank = report.ranking().stream().filter(r -> r.candidateId().equals(c.candidateId())).mapToInt(r -> r.rank())
                    .findFirst().orElse(0);
            for (MetricResult m : c.metrics()) {
                rows.add(new String[] {rank == 0 ? "-" : Integer.toString(rank), c.candidateId(), m.name(),
                        m.hasValue() ? fmt(m.estimate().value()) : "n/a",
                        m.hasValue() ? "[" + fmt(m.estimate().interval().lower()) + ", " + fmt(m.estimate().interval().upper()) + "]"
                                : m.note(),
                        Long.toString(m.scored()), Long.toString(m.unscored() + m.generationFailures())});
            }
        }
        TextTable.print(rows, out);
    }

    static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "-";
    }
}
