package dev.plumbline.engine.eval;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a suite's project-written files (prompt sets, rubrics) are read from: the evals root, i.e.
 * the directory holding {@code suites/}, {@code prompts/}, {@code rubrics/}. Suites name their
 * files relative to it (e.g. {@code prompts/harmlessness.jsonl}).
 */
public interface EvalResources {

    /** The file's bytes, or empty when it does not exist. */
    Optional<byte[]> read(String relativePath);

    /** How the file is named in manifests and errors, e.g. {@code classpath:plumbline/evals/prompts/x.jsonl}. */
    String location(String relativePath);

    /** The built-in files packaged by the evals module under {@code plumbline/evals/}. */
    static EvalResources classpath() {
        return new EvalResources() {
            private static final String ROOT = "plumbline/evals/";

            @Override
            public Optional<byte[]> read(String relativePath) {
                ClassLoader loader = EvalResources.class.getClassLoader();
                try (InputStream in = loader.getResourceAsStream(ROOT + relativePath)) {
                    return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public String location(String relativePath) {
                return "classpath:" + ROOT + relativePath;
            }
        };
    }

    static EvalResources directory(Path root) {
        Path base = root.toAbsolutePath().normalize();
        return new EvalResources() {
            @Override
            public Optional<byte[]> read(String relativePath) {
                Path p = base.resolve(relativePath).normalize();
                if (!p.startsWith(base) || !Files.isRegularFile(p)) {
                    return Optional.empty();
                }
                try {
                    return Optional.of(Files.readAllBytes(p));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public String location(String relativePath) {
                return base.resolve(relativePath).normalize().toString();
            }
        };
    }
}
