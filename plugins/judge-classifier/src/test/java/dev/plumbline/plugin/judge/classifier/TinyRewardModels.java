package dev.plumbline.plugin.judge.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tiny reward models the tests score with, exported by {@code src/test/python/make_reward_model.py}
 * with Debian's PyTorch into {@code target/tiny-reward-models} once per test JVM. Skips (assumption)
 * only when {@code /usr/bin/python3} (or {@code -Dplumbline.python}) cannot import torch; any other
 * script failure fails the test.
 */
final class TinyRewardModels {

    /** Debian's python3 has python3-torch; the pyenv python3 on PATH does not. */
    static final String PYTHON = System.getProperty("plumbline.python", "/usr/bin/python3");
    static final String SINGLE_LOGIT = "single-logit";
    static final String TWO_CLASS = "two-class";
    static final String RANK_ONE_OUTPUT = "rank-one-output";

    private static Path generated;
    private static String torchMissing;

    private TinyRewardModels() {}

    static Path dir(String name) {
        return root().resolve(name);
    }

    /** Token ids and PyTorch logits the script computed from the same vocabulary. */
    static JsonObject expected() {
        try {
            return JsonParser.parseString(Files.readString(root().resolve("expected.json"), StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
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
        Path out = Path.of(System.getProperty("plumbline.build.dir", "target")).resolve("tiny-reward-models");
        Path script = Path.of(System.getProperty("plumbline.module.dir", ".")).resolve(
                "src/test/python/make_reward_model.py");
        Result run = run(List.of(PYTHON, script.toString(), out.toString()), 300);
        assertThat(run.exitCode()).as("%s failed:\n%s", script, run.output()).isZero();
        generated = out;
        return out;
    }

    private static String torchUnavailable() {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return PYTHON + " is missing, so the test reward models cannot be exported "
                    + "(apt-get install -y python3 python3-torch python3-onnx)";
        }
        Result probe = run(List.of(PYTHON, "-c", "import torch"), 120);
        return probe.exitCode() == 0 ? null : PYTHON + " cannot import torch, so the test reward models cannot be "
                + "exported (apt-get install -y python3-torch python3-onnx): " + probe.output().strip();
    }

    private record Result(int exitCode, String output) {}

    private static Result run(List<String> command, int timeoutSeconds) {
        try {
            Path log = Files.createTempFile("make-reward-model", ".log");
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
