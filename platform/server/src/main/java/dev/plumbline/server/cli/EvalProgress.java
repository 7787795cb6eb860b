package dev.plumbline.server.cli;

import dev.plumbline.engine.eval.EvaluationPlan;
import dev.plumbline.engine.eval.ProgressListener;
import dev.plumbline.engine.eval.RunProgress;
import dev.plumbline.engine.eval.SampleRecord;
import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows an evaluation's progress: a progress bar on a terminal, plain periodic lines otherwise
 * (no console, or {@code CI=true}), so logs and captured output stay readable.
 */
final class EvalProgress implements ProgressListener, AutoCloseable {

    private static final long LINE_INTERVAL_MILLIS = 2000;

    private final String suite;
    private final PrintStream out;
    private final boolean interactive;
    private ProgressBar bar;
    private long lastLineAt;

    EvalProgress(String suite, PrintStream out) {
        this.suite = suite;
        this.out = out;
        this.interactive = System.console() != null && !"true".equalsIgnoreCase(System.getenv("CI"));
    }

    @Override
    public void started(EvaluationPlan plan, RunProgress progress) {
        if (interactive) {
            bar = new ProgressBarBuilder().setTaskName(suite).setInitialMax(progress.total())
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).continuousUpdate().build();
            bar.stepTo(progress.done());
        } else {
            out.printf("%s: %d samples planned, %d already stored%n", suite, progress.total(), progress.reused());
            lastLineAt = System.currentTimeMillis();
        }
    }

    @Override
    public void sampleCompleted(SampleRecord record, RunProgress progress) {
        if (bar != null) {
            bar.stepTo(progress.done());
            bar.setExtraMessage(progress.generationFailures() + progress.judgeFailures() == 0 ? ""
                    : " failures: " + progress.generationFailures() + " gen, " + progress.judgeFailures() + " judge");
            return;
        }
        long now = System.currentTimeMillis();
        if (now - lastLineAt >= LINE_INTERVAL_MILLIS || progress.done() == progress.total()) {
            out.printf("%s: %d/%d samples (%.0f%%), %d generation failures, %d judge failures%n", suite, progress.done(),
                    progress.total(), 100 * progress.fraction(), progress.generationFailures(), progress.judgeFailures());
            lastLineAt = now;
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
