package dev.plumbline.engine.eval;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** The code version recorded in manifests: the build's project version plus {@code git describe} when available. */
public final class CodeVersion {

    private static volatile String detected;

    private CodeVersion() {}

    /**
     * {@code plumbline.code.version} if set (a packaged server sets it at build time); else the
     * engine's Maven version, plus {@code (git <describe>)} when the working directory is a git
     * checkout with {@code git} on the PATH.
     */
    public static String detect() {
        String v = detected;
        if (v == null) {
            String prop = System.getProperty("plumbline.code.version");
            v = prop != null && !prop.isBlank() ? prop : buildVersion() + gitDescribe();
            detected = v;
        }
        return v;
    }

    private static String buildVersion() {
        try (InputStream in = CodeVersion.class.getResourceAsStream("build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String gitDescribe() {
        try {
            Process p = new ProcessBuilder("git", "describe", "--always", "--dirty", "--tags")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 && !out.isEmpty() && !out.contains("\n") ? " (git " + out + ")" : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
