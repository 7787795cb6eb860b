package dev.plumbline.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.plumbline.engine.eval.ProgressListener;
import dev.plumbline.engine.eval.EvaluationPlan;
import dev.plumbline.engine.eval.RunProgress;
import dev.plumbline.engine.eval.SampleRecord;
import dev.plumbline.engine.model.train.TrainingEvent;
import dev.plumbline.engine.model.train.TrainingListener;
import dev.plumbline.engine.run.RunState;
import dev.plumbline.engine.stats.Estimate;
import dev.plumbline.engine.train.TrainerEvent;
import dev.plumbline.server.demo.DemoListener;
import dev.plumbline.server.demo.DemoReport;
import dev.plumbline.server.demo.DemoService;
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
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Align a tiny model with every algorithm (DPO, IPO, KTO, ORPO, SimPO, PPO, GRPO, RLOO, SPPO, Nash-MD),"
                + " evaluate base and aligned models on helpfulness, harmlessness and toxicity, print the leaderboard"
                + " with 95%% intervals and write an HTML report. Everything is recorded, so 'serve' shows it.")
public class DemoCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "Fewer training steps (the CI configuration, under 3 minutes).")
    boolean quick;

    @Option(names = "--seed", defaultValue = "20261122", description = "Seed of every stage (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--algorithm", description = "Only these algorithms (repeatable; default all).")
    List<String> algorithms = new ArrayList<>();

    @Inject
    DemoService demo;

    @Inject
    LeaderboardBuilder leaderboards;

    @Inject
    ObjectMapper json;

    @Override
    public Integer call() throws IOException {
        PrintStream out = System.out;
        DemoService.Result result = demo.run(new DemoService.Options(quick, seed, algorithms), new Display(out));

        out.println();
        out.println("== 6/6 leaderboards (ranks shared while 95% intervals overlap)");
        List<String> pages = new ArrayList<>();
        for (String suite : DemoService.SUITES) {
            if (!result.primary().containsKey(suite)) {
                continue;
            }
            Leaderboard board = leaderboards.build(suite, "");
            out.println();
            LeaderboardCommand.print(board, out);
            String file = "leaderboard-" + suite + ".html";
            Files.writeString(result.workDir().resolve(file),
                    LeaderboardTemplates.page(LeaderboardView.of(board, List.of())).render(), StandardCharsets.UTF_8);
            pages.add(file);
        }
        out.println();
        out.println("Harmlessness of each aligned model against the base (" + DemoService.HARMLESSNESS + "):");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"algorithm", "run", "harmlessness [95% CI]", "verdict"});
        for (DemoService.Comparison c : result.comparisons()) {
            rows.add(new String[] {c.algorithm(), state(result, c.algorithm()), estimate(c.harmlessness()), c.verdict()});
        }
        TextTable.print(rows, out);

        Path report = result.workDir().resolve("report.html");
        Files.writeString(report, DemoReport.render(result, pages, quick), StandardCharsets.UTF_8);
        Path summary = result.workDir().resolve("demo-summary.json");
        json.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(summary.toFile(), DemoReport.summary(result, quick));
        long succeeded = result.alignments().stream().filter(a -> a.state() == RunState.SUCCEEDED).count();
        out.println();
        out.printf(Locale.ROOT, "%d of %d training runs succeeded, %d evaluation runs; %.0f s in total.%n", succeeded,
                result.alignments().size(), result.evaluationRuns().size(), result.seconds());
        out.println("Report: " + report);
        out.println("Summary: " + summary);
        out.println("Browse the runs, models and leaderboards: ./plumbline serve, then http://localhost:8080/leaderboard"
                + " and /runs");
        boolean complete = succeeded == result.alignments().size()
                && result.primary().size() == DemoService.SUITES.size();
        return complete ? 0 : 1;
    }

    private static String state(DemoService.Result result, String algorithm) {
        return result.alignments().stream().filter(a -> a.algorithm().equals(algorithm)).findFirst()
                .map(a -> a.state().name().toLowerCase(Locale.ROOT)).orElse("");
    }

    static String estimate(Estimate e) {
        if (e == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", e.value(), e.interval().lower(), e.interval().upper());
    }

    /** Phase headers, SFT lines and per-run progress (bars on a terminal, plain lines otherwise). */
    private static final class Display implements DemoListener {
        private final PrintStream out;

        Display(PrintStream out) {
            this.out = out;
        }

        @Override
        public void phase(String title) {
            out.println();
            out.println("== " + title);
        }

        @Override
        public void line(String text) {
            out.println(text);
        }

        @Override
        public TrainingListener supervised() {
            return event -> {
                if (event instanceof TrainingEvent.Metrics m && (m.step() % 50 == 0 || m.step() == m.totalSteps())) {
                    out.printf(Locale.ROOT, "base: step %d/%d loss %.4f token accuracy %.3f%n", m.step(), m.totalSteps(),
                            m.loss(), m.meanTokenAccuracy());
                } else if (event instanceof TrainingEvent.Finished f) {
                    out.printf(Locale.ROOT, "base: %d steps in %.1f s -> %s%n", f.steps(), f.elapsedSeconds(),
                            f.outputDir());
                }
            };
        }

        @Override
        public AutoCloseableTrainerListener training(String algorithm) {
            TrainProgress progress = new TrainProgress(algorithm, out);
            return new AutoCloseableTrainerListener() {
                @Override
                public void onEvent(TrainerEvent event) {
                    progress.onEvent(event);
                }

                @Override
                public void close() {
                    progress.close();
                }
            };
        }

        @Override
        public AutoCloseableProgressListener evaluation(String suite) {
            EvalProgress progress = new EvalProgress(suite, out);
            return new AutoCloseableProgressListener() {
                @Override
                public void started(EvaluationPlan plan, RunProgress p) {
                    progress.started(plan, p);
                }

                @Override
                public void sampleCompleted(SampleRecord record, RunProgress p) {
                    progress.sampleCompleted(record, p);
                }

                @Override
                public void close() {
                    progress.close();
                }
            };
        }
    }
}
