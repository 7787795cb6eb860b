package dev.plumbline.engine.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs src/test/python/make_llama_fixture.py (an independent PyTorch Llama) with Debian's
 * /usr/bin/python3, which has torch. Tests that need it are skipped, with the reason, only when that
 * interpreter or its torch is missing.
 */
final class PythonReference {

    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path SCRIPT = Path.of("src/test/python/make_llama_fixture.py").toAbsolutePath();
    static final Path FIXTURES = Path.of("target/llama-fixtures").toAbsolutePath();

    private static Boolean torchAvailable;
    private static boolean fixturesBuilt;

    private PythonReference() {}

    static synchronized void assumeTorch() {
        if (torchAvailable == null) {
            torchAvailable = Files.isExecutable(PYTHON) && tryRun(List.of(PYTHON.toString(), "-c", "import torch"));
        }
        assumeTrue(torchAvailable, "skipped: " + PYTHON + " with torch (Debian python3-torch) is needed for the"
                + " independent PyTorch reference; install it with apt-get install python3-torch");
    }

    /** Builds the reference fixtures once per test JVM. */
    static synchronized Path fixtures() {
        assumeTorch();
        if (!fixturesBuilt) {
            run(PYTHON.toString(), SCRIPT.toString(), "fixtures", FIXTURES.toString());
            fixturesBuilt = true;
        }
        return FIXTURES;
    }

    /** Python's logits for a checkpoint directory; {@code ids} like "1,2,3;4,5". */
    static Path logits(Path checkpoint, String ids, Path out) {
        assumeTorch();
        run(PYTHON.toString(), SCRIPT.toString(), "logits", checkpoint.toString(), ids, out.toString());
        return out;
    }

    private static boolean tryRun(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void run(String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("failed (" + p.exitValue() + "): " + cmd + "\n" + output);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
