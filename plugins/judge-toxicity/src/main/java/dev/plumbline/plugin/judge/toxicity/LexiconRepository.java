package dev.plumbline.plugin.judge.toxicity;

import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The built-in lexicon ({@code default}: classpath {@code plumbline/evals/lexicons/en-default.txt},
 * packaged by the evals module) or a lexicon file by path; compiled lexicons are cached by the
 * SHA-256 of their bytes.
 */
final class LexiconRepository {

    static final String DEFAULT_NAME = "default";
    static final String DEFAULT_RESOURCE = "plumbline/evals/lexicons/en-default.txt";

    private final ConcurrentHashMap<String, ToxicityLexicon> byHash = new ConcurrentHashMap<>();

    ToxicityLexicon resolve(String ref, String field) {
        if (ref == null || ref.isBlank()) {
            throw new InvalidInputException(field, "is empty; use '" + DEFAULT_NAME + "' or a path to a lexicon file");
        }
        String r = ref.strip();
        if (r.equals(DEFAULT_NAME)) {
            return compile(readDefault(), DEFAULT_RESOURCE);
        }
        Path path;
        try {
            path = Path.of(r);
        } catch (InvalidPathException e) {
            throw new InvalidInputException(field, "not '" + DEFAULT_NAME + "' or a valid path: '" + r + "'");
        }
        if (!Files.isRegularFile(path)) {
            throw new InvalidInputException(field, "no lexicon file at '" + r + "'; use '" + DEFAULT_NAME
                    + "' or a path to a file with one term per line");
        }
        try {
            if (Files.size(path) > ToxicityLexicon.MAX_BYTES) {
                throw new InvalidInputException(r, "lexicon is " + Files.size(path) + " bytes; the limit is "
                        + ToxicityLexicon.MAX_BYTES);
            }
            return compile(Files.readAllBytes(path), r);
        } catch (IOException e) {
            throw new InvalidInputException(field, "cannot read lexicon '" + r + "': " + e.getMessage());
        }
    }

    private ToxicityLexicon compile(byte[] bytes, String source) {
        String hash = Hashing.sha256(bytes);
        ToxicityLexicon cached = byHash.get(hash);
        if (cached != null) {
            return cached;
        }
        ToxicityLexicon lexicon = ToxicityLexicon.parse(bytes, source);
        ToxicityLexicon previous = byHash.putIfAbsent(hash, lexicon);
        return previous != null ? previous : lexicon;
    }

    private static byte[] readDefault() {
        for (ClassLoader loader : new ClassLoader[] {LexiconRepository.class.getClassLoader(),
                Thread.currentThread().getContextClassLoader()}) {
            if (loader == null) {
                continue;
            }
            try (InputStream in = loader.getResourceAsStream(DEFAULT_RESOURCE)) {
                if (in != null) {
                    return in.readNBytes(ToxicityLexicon.MAX_BYTES + 1);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + DEFAULT_RESOURCE, e);
            }
        }
        throw new IllegalStateException(DEFAULT_RESOURCE + " is not on the classpath (plumbline-evals missing?)");
    }
}
