package dev.plumbline.plugin.judge.rules;

import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Finds rubrics by name (classpath {@code plumbline/evals/rubrics/<name>.yaml}, packaged by the
 * evals module) or by file path, and caches compiled rubrics by the SHA-256 of their bytes, so an
 * edited file is recompiled and an unchanged one is not.
 */
final class RubricRepository {

    static final String RESOURCE_DIR = "plumbline/evals/rubrics/";
    /** The rubrics this project ships; other names are looked up on the classpath too. */
    static final List<String> BUILT_IN = List.of("harmlessness", "helpfulness-basic", "refusal-style", "demo-assistant");

    private static final Pattern RUBRIC_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    private final ConcurrentHashMap<String, Rubric> byHash = new ConcurrentHashMap<>();
    /**
     * Rubrics found in this plugin's own class loader, by name: such a resource cannot change while
     * the JVM runs, so it is not re-read and re-hashed on every request.
     */
    private final ConcurrentHashMap<String, Rubric> ownResourcesByName = new ConcurrentHashMap<>();

    private record Resource(byte[] bytes, boolean fromOwnLoader) {}

    /** @param field the request field to name in errors, e.g. {@code parameters.rubric} */
    Rubric resolve(String ref, String field) {
        if (ref == null || ref.isBlank()) {
            throw new InvalidInputException(field, "is empty; built-in rubrics: " + String.join(", ", BUILT_IN)
                    + "; or a path to a .yaml file");
        }
        String r = ref.strip();
        if (RUBRIC_NAME.matcher(r).matches()) {
            return fromClasspath(r, field);
        }
        return fromFile(r, field);
    }

    private Rubric fromClasspath(String name, String field) {
        Rubric known = ownResourcesByName.get(name);
        if (known != null) {
            return known;
        }
        Resource resource = readResource(RESOURCE_DIR + name + ".yaml");
        if (resource == null) {
            throw new InvalidInputException(field, "unknown rubric '" + name + "'; built-in rubrics: "
                    + String.join(", ", BUILT_IN) + "; or a path to a .yaml file");
        }
        Rubric rubric = compile(resource.bytes(), name + ".yaml", true);
        if (resource.fromOwnLoader()) {
            ownResourcesByName.putIfAbsent(name, rubric);
        }
        return rubric;
    }

    private Rubric fromFile(String ref, String field) {
        Path path;
        try {
            path = Path.of(ref);
        } catch (InvalidPathException e) {
            throw new InvalidInputException(field, "not a rubric name or a valid path: '" + ref + "'");
        }
        if (!Files.isRegularFile(path)) {
            throw new InvalidInputException(field, "no rubric file at '" + ref + "' (built-in rubrics: "
                    + String.join(", ", BUILT_IN) + ")");
        }
        byte[] bytes;
        try {
            long size = Files.size(path);
            if (size > RubricLoader.MAX_RUBRIC_BYTES) {
                throw new InvalidInputException(ref, "rubric is " + size + " bytes; the limit is "
                        + RubricLoader.MAX_RUBRIC_BYTES);
            }
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new InvalidInputException(field, "cannot read rubric file '" + ref + "': " + e.getMessage());
        }
        return compile(bytes, ref, false);
    }

    private Rubric compile(byte[] bytes, String source, boolean trusted) {
        // Trust is part of the key: the same bytes from a file still get the regex budget.
        String hash = Hashing.sha256(bytes) + (trusted ? ":builtin" : ":file");
        Rubric cached = byHash.get(hash);
        if (cached != null) {
            return cached;
        }
        // Compiled outside computeIfAbsent so a bad rubric's exception is not wrapped by the map.
        Rubric compiled = RubricLoader.load(bytes, source, trusted);
        Rubric previous = byHash.putIfAbsent(hash, compiled);
        return previous != null ? previous : compiled;
    }

    private static Resource readResource(String resource) {
        ClassLoader own = RubricRepository.class.getClassLoader();
        for (ClassLoader loader : new ClassLoader[] {own, Thread.currentThread().getContextClassLoader()}) {
            if (loader == null) {
                continue;
            }
            try (InputStream in = loader.getResourceAsStream(resource)) {
                if (in != null) {
                    return new Resource(in.readNBytes(RubricLoader.MAX_RUBRIC_BYTES + 1), loader == own);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read classpath resource " + resource, e);
            }
        }
        return null;
    }
}
