package dev.plumbline.engine.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.plumbline.engine.model.StrictJson;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.checkpoint.SafetensorsFile;
import dev.plumbline.engine.model.checkpoint.SafetensorsWriter;
import dev.plumbline.engine.model.train.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code checkpoint-<step>} directories in the Hugging Face Trainer layout: the model (config.json,
 * model.safetensors, tokenizer), {@code optimizer.safetensors} (AdamW moments under torch's state
 * names) and {@code trainer_state.json} (global_step, log_history, optimizer steps, seed). The RNG
 * state is the step itself: every random draw of step s is a function of (seed, s), see
 * {@link TrainingContext#random}. A checkpoint is written to a temporary directory and renamed, so
 * a crash mid-write never leaves a partial checkpoint that a resume would pick.
 */
public final class TrainingCheckpoints {

    public static final String TRAINER_STATE = "trainer_state.json";
    public static final String OPTIMIZER = "optimizer.safetensors";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final String PARTIAL = ".partial";

    private TrainingCheckpoints() {}

    /** The saved progress of a run. */
    public record State(int globalStep, int optimizerSteps, JsonArray logHistory, MetricMeans pendingMetrics,
            JsonObject lastOptimizerMetrics) {}

    /** The newest complete checkpoint under {@code outputDir}, or {@code null}; removes partial ones. */
    public static Path latest(Path outputDir) {
        List<Path> all = list(outputDir);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** Complete checkpoints, oldest first. */
    public static List<Path> list(Path outputDir) {
        if (outputDir == null || !Files.isDirectory(outputDir)) {
            return List.of();
        }
        List<Path> complete = new ArrayList<>();
        try (Stream<Path> children = Files.list(outputDir)) {
            for (Path p : children.toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(PARTIAL)) {
                    deleteTree(p);
                } else if (NAME.matcher(name).matches() && Files.isRegularFile(p.resolve(TRAINER_STATE))) {
                    complete.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + outputDir + ": " + e.getMessage(), e);
        }
        complete.sort(Comparator.comparingInt(TrainingCheckpoints::stepOf));
        return complete;
    }

    static int stepOf(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * Writes {@code checkpoint-<step>} atomically and keeps only the newest {@code keep} (0 = all).
     *
     * @param extra writes more files into the (temporary) checkpoint directory, e.g. a value model
     */
    public static Path save(Path outputDir, int step, dev.plumbline.engine.model.checkpoint.LocalCheckpoint policy,
            AdamW optimizer, JsonObject trainerState, java.util.function.Consumer<Path> extra, int keep) {
        Path target = outputDir.resolve("checkpoint-" + step);
        Path tmp = outputDir.resolve("checkpoint-" + step + PARTIAL);
        deleteTree(tmp);
        writeModelDir(tmp, policy, optimizer, trainerState, extra);
        try {
            deleteTree(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + tmp + " to " + target + ": " + e.getMessage(), e);
        }
        if (keep > 0) {
            List<Path> all = list(outputDir);
            for (int i = 0; i < all.size() - keep; i++) {
                deleteTree(all.get(i));
            }
        }
        return target;
    }

    /** Writes the model, the optimizer state (if any) and trainer_state.json into {@code dir}. */
    static void writeModelDir(Path dir, LocalCheckpoint policy, AdamW optimizer, JsonObject trainerState,
            java.util.function.Consumer<Path> extra) {
        LocalCheckpoint.save(dir, policy.model(), policy.tokenizer());
        if (optimizer != null) {
            SafetensorsWriter.write(dir.resolve(OPTIMIZER), optimizer.state(),
                    Map.of("format", "pt", "step", Integer.toString(optimizer.steps())));
        }
        extra.accept(dir);
        writeJson(dir.resolve(TRAINER_STATE), trainerState);
    }

    /** Reads a checkpoint's trainer state. */
    public static State state(Path checkpoint) {
        Path file = checkpoint.resolve(TRAINER_STATE);
        try {
            JsonObject o = StrictJson.parse(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            JsonElement log = o.get("log_history");
            JsonElement last = o.get("last_optimizer_metrics");
            return new State(o.get("global_step").getAsInt(), o.get("optimizer_steps").getAsInt(),
                    log != null && log.isJsonArray() ? log.getAsJsonArray() : new JsonArray(),
                    MetricMeans.fromJson(o.get("pending_metrics")),
                    last != null && last.isJsonObject() ? last.getAsJsonObject() : new JsonObject());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("corrupt " + file + ": " + e.getMessage(), e);
        }
    }

    /** Restores AdamW's moments and step count from a checkpoint. */
    public static void restoreOptimizer(Path checkpoint, AdamW optimizer, int optimizerSteps) {
        try (SafetensorsFile file = SafetensorsFile.open(checkpoint.resolve(OPTIMIZER))) {
            optimizer.restore(optimizerSteps, key -> file.tensors().containsKey(key) ? file.readFloats(key) : null);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cannot resume from " + checkpoint + ": " + e.getMessage(), e);
        }
    }

    static void writeJson(Path file, JsonObject o) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n",
                    StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
