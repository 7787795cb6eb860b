package dev.plumbline.server.train;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ModelEngine;
import dev.plumbline.engine.model.RopeScaling;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;

/** A tiny randomly initialised Llama under the test models directory and small TRL-format data sets. */
public final class TrainingFixtures {

    /** Model id of the tiny base checkpoint (2 layers, hidden 32, byte tokenizer). */
    public static final String BASE = "train-fixtures/tiny-base";

    private static final String[][] PAIRS = {
            {"Capital of France?", "Paris", "Berlin"},
            {"Capital of Japan?", "Tokyo", "Lima"},
            {"Capital of Peru?", "Lima", "Rome"},
            {"Capital of Kenya?", "Nairobi", "Cairo"},
            {"Capital of Italy?", "Rome", "Madrid"},
            {"Capital of Egypt?", "Cairo", "Tokyo"},
            {"Capital of Chile?", "Santiago", "Paris"},
            {"Capital of Spain?", "Madrid", "Nairobi"},
    };

    private TrainingFixtures() {}

    public static Path dataDir() {
        return Path.of(ConfigProvider.getConfig().getValue("plumbline.data-dir", String.class)).toAbsolutePath().normalize();
    }

    public static Path modelsDir() {
        return dataDir().resolve("models");
    }

    /** Writes the tiny base model once per test data directory; returns its model id. */
    public static synchronized String tinyBase() {
        Path dir = modelsDir().resolve(BASE);
        if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
            LlamaConfig config = new LlamaConfig(ByteTokenizer.VOCAB_SIZE, 32, 64, 2, 4, 2, 8, 256, 1e-6, 10000.0,
                    RopeScaling.NONE, false, ByteTokenizer.BOS_ID, List.of(ByteTokenizer.EOS_ID), ByteTokenizer.PAD_ID,
                    0.02, "float32");
            try (NDManager manager = ModelEngine.newManager(); LlamaModel model = LlamaModel.initialize(config, 11, manager)) {
                LocalCheckpoint.save(dir, model, new ByteTokenizer());
            }
        }
        return BASE;
    }

    /** Eight (prompt, chosen, rejected) pairs in TRL's JSONL format, in a fresh file under the data directory. */
    public static Path dpoDataset() {
        List<String> lines = new ArrayList<>();
        for (String[] p : PAIRS) {
            lines.add("{\"prompt\": \"" + p[0] + "\", \"chosen\": \"" + p[1] + "\", \"rejected\": \"" + p[2] + "\"}");
        }
        return write("dpo", lines);
    }

    /** Prompt-only JSONL for online algorithms. */
    public static Path promptSet() {
        List<String> lines = new ArrayList<>();
        for (String[] p : PAIRS) {
            lines.add("{\"prompt\": \"" + p[0] + "\"}");
        }
        return write("prompts", lines);
    }

    /** A JSONL file with the given lines under the data directory. */
    public static Path write(String prefix, List<String> lines) {
        try {
            Path dir = Files.createDirectories(dataDir().resolve("train-fixtures"));
            return Files.write(dir.resolve(prefix + "-" + UUID.randomUUID() + ".jsonl"), lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An output model id no earlier test run used. */
    public static String freshOutput(String prefix) {
        return "train-fixtures/" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
