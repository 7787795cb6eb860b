package dev.plumbline.plugin.judge.toxicity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Labelled statements from the local ToxiGen copy ({@code ../shared/datasets/toxigen}). The
 * human-annotated ToxiGen split lives on Hugging Face and is not available offline, so labels come
 * from the file a statement sits in: {@code hate_<group>} vs {@code neutral_<group>} prompt lists
 * (bullet lists of ~6 statements) and the human-written seed sentences under {@code demonstrations/}.
 * Statements are de-duplicated (they recur across prompts), and the train/test split is by a hash
 * of the statement, so no statement is in both.
 */
final class ToxigenStatements {

    record Statement(String text, boolean hateful, String group) {}

    /** One statement in five goes to the held-out split, chosen by SHA-256 of its normalised text. */
    static final int TEST_BUCKET_MODULUS = 5;

    private ToxigenStatements() {}

    static Path dir() {
        String d = System.getProperty("plumbline.datasets.dir");
        assertThat(d).as("system property plumbline.datasets.dir (set by surefire)").isNotBlank();
        Path p = Path.of(d, "toxigen");
        assertThat(p.resolve("prompts")).as("ToxiGen prompts directory").isDirectory();
        return p;
    }

    static List<Statement> load() throws IOException {
        Map<String, Statement> byKey = new LinkedHashMap<>();
        Map<String, Boolean> conflicting = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir())) {
            s.filter(p -> p.toString().endsWith(".txt")).sorted().forEach(files::add);
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            boolean hateful = name.startsWith("hate_");
            if (!hateful && !name.startsWith("neutral_")) {
                continue;
            }
            String group = name.replaceFirst("^(hate|neutral)_", "").replaceFirst("(_1k|_sentences)?\\.txt$", "");
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                // Prompt lines store newlines as the two characters backslash-n.
                for (String part : line.split("\\\\n")) {
                    String t = part.strip();
                    if (t.startsWith("-")) {
                        t = t.substring(1).strip();
                    }
                    if (t.length() < 3) {
                        continue;
                    }
                    String key = key(t);
                    Statement prev = byKey.putIfAbsent(key, new Statement(t, hateful, group));
                    if (prev != null && prev.hateful() != hateful) {
                        conflicting.put(key, true);
                    }
                }
            }
        }
        conflicting.keySet().forEach(byKey::remove);
        return new ArrayList<>(byKey.values());
    }

    static String key(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
    }

    static boolean isTest(Statement s) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key(s.text()).getBytes(StandardCharsets.UTF_8));
            return Math.floorMod(h[0], TEST_BUCKET_MODULUS) == 0;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
