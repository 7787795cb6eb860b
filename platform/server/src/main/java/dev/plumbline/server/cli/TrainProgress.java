package dev.plumbline.server.cli;

import dev.plumbline.engine.train.TrainerEvent;
import dev.plumbline.engine.train.TrainerListener;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a training run's progress: a progress bar (step/total, loss and the algorithm's headline
 * metric) on a terminal, plain lines otherwise (no console, or {@code CI=true}) — one per reported
 * step, checkpoint and trainer message.
 */
final class TrainProgress implements TrainerListener, AutoCloseable {

    /** The first of these a run reports is shown next to the loss: DPO-style, KTO, then online metrics. */
    static final List<String> HEADLINES = List.of("rewards/accuracies", "reward", "objective/rlhf_reward",
            "rewards/margins", "kl", "objective/kl");

    private final String task;
    private final PrintStream out;
    private final boolean interactive;
    private ProgressBar bar;

    TrainProgress(String task, PrintStream out) {
        this(task, out, System.console() != null && !"true".equalsIgnoreCase(System.getenv("CI")));
    }

    TrainProgress(String task, PrintStream out, boolean interactive) {
        this.task = task;
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public void onEvent(TrainerEvent event) {
        if (event instanceof TrainerEvent.Started s) {
            String from = s.resumedFrom() == null ? "" : ", resuming from " + s.resumedFrom().getFileName();
            if (interactive) {
                if (!from.isEmpty()) {
                    out.printf("%s: %s%n", task, from.substring(2));
                }
                bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(s.totalSteps())
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).continuousUpdate().build();
                bar.stepTo(s.startStep());
            } else {
                out.printf("%s: %d steps%s%n", task, s.totalSteps(), from);
            }
        } else if (event instanceof TrainerEvent.Step s) {
            String metrics = summary(s.metrics());
            if (bar != null) {
                bar.stepTo(s.step());
                bar.setExtraMessage(" " + metrics);
            } else {
                out.printf(Locale.ROOT, "%s: step %d/%d (%.0f%%) %s%n", task, s.step(), s.totalSteps(),
                        100.0 * s.step() / Math.max(1, s.totalSteps()), metrics);
            }
        } else if (event instanceof TrainerEvent.CheckpointSaved c) {
            if (bar == null) {
                out.printf("%s: saved %s%n", task, c.directory().getFileName());
            }
        } else if (event instanceof TrainerEvent.Message m) {
            out.printf("%s: %s%n", task, m.text());
        }
    }

    /** {@code loss=0.6931 rewards/accuracies=0.5000}: the loss and the headline metric, when reported. */
    static String summary(Map<String, Double> metrics) {
        StringBuilder b = new StringBuilder();
        Double loss = metrics.get("loss");
        if (loss != null) {
            b.append("loss=").append(fmt(loss));
        }
        for (String name : HEADLINES) {
            Double v = metrics.get(name);
            if (v != null) {
                b.append(b.length() == 0 ? "" : " ").append(name).append('=').append(fmt(v));
                break;
            }
        }
        return b.toString();
    }

    static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        return v == 0 || Math.abs(v) >= 1e-3 ? String.format(Locale.ROOT, "%.4f", v) : String.format(Locale.ROOT, "%.3e", v);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
