package dev.plumbline.plugin.judge.toxicity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The local ToxiGen copy ({@code ../shared/datasets/toxigen}), read as <b>evaluation data only</b>:
 * the toxicity model never trains on it (the shared data sets are benchmarks, and the toxicity
 * evaluation suite uses these very prompts).
 *
 * <p>ToxiGen's human-annotated split is on Hugging Face and not available offline, so the labels
 * here are weak, file-level labels: every line of a {@code hate_<group>} file counts as hateful and
 * every line of a {@code neutral_<group>} file as benign, whatever an annotator would say about it.
 */
final class Toxigen {

    /** One prompt line (a list of about six statements), newlines unescaped. */
    record Prompt(String text, boolean hateful, String group, String file) {}

    /** One distinct statement from the prompts and the seed demonstrations. */
    record Statement(String text, boolean hateful, String group) {}

    private Toxigen() {}

    static Path dir() {
        String d = System.getProperty("plumbline.datasets.dir");
        assertThat(d).as("system property plumbline.datasets.dir (set by surefire)").isNotBlank();
        Path p = Path.of(d, "toxigen");
        assertThat(p.resolve("prompts")).as("ToxiGen prompts directory").isDirectory();
        return p;
    }

    /** Every line of {@code prompts/{hate,neutral}_<group>_1k.txt}. */
    static List<Prompt> prompts() throws IOException {
        List<Prompt> out = new ArrayList<>();
        for (Path f : files(dir().resolve("prompts"))) {
            String name = f.getFileName().toString();
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    // Prompt lines store newlines as the two characters backslash-n.
                    out.add(new Prompt(line.replace("\\n", "\n"), name.startsWith("hate_"), group(name), name));
                }
            }
        }
        return out;
    }

    /**
     * The distinct statements of every prompt and demonstration file, labelled by their file. A
     * statement found in both a hate and a neutral file is dropped.
     */
    static List<Statement> statements() throws IOException {
        Map<String, Statement> byKey = new LinkedHashMap<>();
        Set<String> conflicting = new LinkedHashSet<>();
        for (Path f : files(dir())) {
            String name = f.getFileName().toString();
            boolean hateful = name.startsWith("hate_");
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                for (String part : line.split("\\\\n")) {
                    String t = part.strip();
                    if (t.startsWith("-")) {
                        t = t.substring(1).strip();
                    }
                    if (t.length() < 3) {
                        continue;
                    }
                    String key = key(t);
                    Statement prev = byKey.putIfAbsent(key, new Statement(t, hateful, group(name)));
                    if (prev != null && prev.hateful() != hateful) {
                        conflicting.add(key);
                    }
                }
            }
        }
        conflicting.forEach(byKey::remove);
        return new ArrayList<>(byKey.values());
    }

    static String key(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".txt") && (n.startsWith("hate_") || n.startsWith("neutral_"));
            }).sorted().toList();
        }
    }

    private static String group(String fileName) {
        return fileName.replaceFirst("^(hate|neutral)_", "").replaceFirst("(_1k|_sentences)?\\.txt$", "");
    }
}
