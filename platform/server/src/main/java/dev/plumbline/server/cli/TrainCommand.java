package dev.plumbline.server.cli;

import dev.plumbline.engine.run.RunState;
import dev.plumbline.server.train.TrainingConfig;
import dev.plumbline.server.train.TrainingService;
import dev.plumbline.spi.InvalidInputException;
import jakarta.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a local model in this process (no server needed): offline from a preference data set "
                + "(dpo, ipo, cpo, simpo, orpo, kto) or online from prompts scored by a judge (grpo, rloo, ppo, sppo, "
                + "nash-md, online-dpo). Recorded in the same database as server runs; the trained model is a new "
                + "model id under <data-dir>/models. Exit code 0 on success, 1 if the run failed, 2 on bad input.")
public class TrainCommand implements Callable<Integer> {

    @Option(names = "--algorithm", required = true, description = "Algorithm plugin id (see 'plumbline plugins --kind algorithm').")
    String algorithm;

    @Option(names = "--base-model", required = true, description = "Local model id to start from (see 'plumbline models').")
    String baseModel;

    @Option(names = "--dataset", description = "Offline algorithms: TRL-format JSONL (prompt, chosen, rejected; KTO: prompt, completion, label).")
    Path dataset;

    @Option(names = "--prompt-set", description = "Online algorithms: prompt-only JSONL (prompt[, category, reference]).")
    Path promptSet;

    @Option(names = "--judge", defaultValue = "", description = "Online algorithms: judge plugin id giving rewards or preferences.")
    String judge;

    @Option(names = "--judge-param", paramLabel = "KEY=VALUE", description = "Judge parameter (repeatable).")
    List<String> judgeParams = new ArrayList<>();

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "Algorithm parameter, e.g. beta=0.1 (repeatable).")
    List<String> params = new ArrayList<>();

    @Option(names = "--trainer", paramLabel = "KEY=VALUE",
            description = "Trainer setting, e.g. learning_rate=1e-4 max_steps=50 save_steps=10 (repeatable; see docs/TRAINING.md).")
    List<String> trainer = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "0", description = "Seed of data order and sampling (same seed, same weights).")
    long seed;

    @Option(names = "--output", defaultValue = "", description = "Model id of the trained model (default <base>-<algorithm>-<run>).")
    String output;

    @Option(names = "--name", defaultValue = "", description = "Run name.")
    String name;

    @Inject
    TrainingService trainings;

    /** Where progress and the summary go (tests capture it). */
    PrintStream out = System.out;

    /** {@code null}: a progress bar on a terminal, plain lines otherwise. */
    Boolean interactive;

    @Override
    public Integer call() {
        TrainingConfig config = new TrainingConfig(algorithm, keyValues(params, "--param"), baseModel,
                dataset == null ? "" : dataset.toAbsolutePath().toString(),
                promptSet == null ? "" : promptSet.toAbsolutePath().toString(), judge,
                keyValues(judgeParams, "--judge-param"), seed, output, keyValues(trainer, "--trainer"), name);
        TrainingService.Outcome outcome;
        try (TrainProgress progress = interactive == null ? new TrainProgress(algorithm, out)
                : new TrainProgress(algorithm, out, interactive)) {
            outcome = trainings.runHere(config, progress);
        }
        out.printf("run %s: %s%s%n", outcome.run().id(), outcome.run().state(),
                outcome.run().error() == null ? "" : " (" + outcome.run().error() + ")");
        if (outcome.run().state() != RunState.SUCCEEDED || outcome.result() == null) {
            return 1;
        }
        out.printf("model %s (%s), %d steps%n", outcome.outputModel(), outcome.outputDir(), outcome.result().steps());
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"metric", "final value"});
        new TreeMap<>(outcome.result().metrics()).forEach((k, v) -> rows.add(new String[] {k, TrainProgress.fmt(v)}));
        if (rows.size() > 1) {
            TextTable.print(rows, out);
        }
        return 0;
    }

    /** {@code key=value} options typed as numbers (integer or decimal), booleans or strings. */
    static Map<String, Object> keyValues(List<String> pairs, String option) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException(option, "expected KEY=VALUE, got '" + p + "'");
            }
            String key = p.substring(0, eq).strip();
            String v = p.substring(eq + 1).strip();
            Object value = v;
            if (v.equals("true") || v.equals("false")) {
                value = Boolean.valueOf(v);
            } else if (v.matches("[-+]?\\d{1,18}")) {
                value = Long.parseLong(v);
            } else if (v.matches("[-+]?(\\d+\\.\\d*|\\.\\d+|\\d+)([eE][-+]?\\d+)?")) {
                value = Double.parseDouble(v);
            }
            if (values.put(key, value) != null) {
                throw new InvalidInputException(option, "'" + key + "' is given twice");
            }
        }
        return values;
    }
}
