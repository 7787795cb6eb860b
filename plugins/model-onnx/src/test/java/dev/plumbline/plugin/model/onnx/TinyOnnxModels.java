package dev.plumbline.plugin.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The tiny Llama-style models the tests run, exported by {@code src/test/python/export_tiny_llama_onnx.py}
 * with Debian's PyTorch into {@code target/tiny-llama-onnx} once per test JVM: {@code with-past}
 * (KV-cache inputs, position_ids), {@code no-past} (same weights, neither) and {@code reference.json}
 * (PyTorch logits and greedy tokens). Skips (assumption) only when {@code /usr/bin/python3} (or
 * {@code -Dplumbline.python}) cannot import torch; any other script failure fails the test.
 */
final class TinyOnnxModels {

    /** Debian's python3 has python3-torch; the pyenv python3 on PATH does not. */
    static final String PYTHON = System.getProperty("plumbline.python", "/usr/bin/python3");
    static final String WITH_PAST = "with-past";
    static final String NO_PAST = "no-past";

    private static Path generated;
    private static String torchMissing;
    private static JsonObject reference;

    private TinyOnnxModels() {}

    static Path dir(String name) {
        return root().resolve(name);
    }

    /** Ids, logits and greedy tokens PyTorch computed for the same weights. */
    static synchronized JsonObject reference() {
        if (reference == null) {
            try {
                reference = JsonParser.parseString(Files.readString(root().resolve("reference.json"),
                        StandardCharsets.UTF_8)).getAsJsonObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return reference;
    }

    static long[] longs(JsonArray array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsLong();
        }
        return out;
    }

    static List<Long> longList(JsonArray array) {
        return array.asList().stream().map(JsonElement::getAsLong).toList();
    }

    static float[] floats(JsonArray array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsFloat();
        }
        return out;
    }

    /** A copy of a generated model in {@code target}, for tests that break or move files. */
    static Path copy(String name, Path target) {
        try {
            Files.createDirectories(target);
            try (Stream<Path> files = Files.list(dir(name))) {
                for (Path file : files.toList()) {
                    Files.copy(file, target.resolve(file.getFileName()));
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized Path root() {
        assumeTrue(torchMissing == null, () -> torchMissing);
        if (generated != null) {
            return generated;
        }
        String why = torchUnavailable();
        if (why != null) {
            torchMissing = why;
            assumeTrue(false, why);
        }
        Path out = Path.of(System.getProperty("plumbline.build.dir", "target")).resolve("tiny-llama-onnx");
        Path script = Path.of(System.getProperty("plumbline.module.dir", ".")).resolve(
                "src/test/python/export_tiny_llama_onnx.py");
        Result run = run(List.of(PYTHON, script.toString(), out.toString()), 600);
        assertThat(run.exitCode()).as("%s failed:\n%s", script, run.output()).isZero();
        generated = out;
        return out;
    }

    private static String torchUnavailable() {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return PYTHON + " is missing, so the test models cannot be exported "
                    + "(apt-get install -y python3 python3-torch python3-onnx)";
        }
        Result probe = run(List.of(PYTHON, "-c", "import torch"), 120);
        return probe.exitCode() == 0 ? null : PYTHON + " cannot import torch, so the test models cannot be "
                + "exported (apt-get install -y python3-torch python3-onnx): " + probe.output().strip();
    }

    private record Result(int exitCode, String output) {}

    private static Result run(List<String> command, int timeoutSeconds) {
        try {
            Path log = Files.createTempFile("export-tiny-llama-onnx", ".log");
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return new Result(-1, "timed out after " + timeoutSeconds + " s: " + command);
                }
                return new Result(process.exitValue(), Files.readString(log));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
