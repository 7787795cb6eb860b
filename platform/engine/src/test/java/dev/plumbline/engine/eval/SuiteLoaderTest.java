package dev.plumbline.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SuiteLoaderTest {

    /** A valid suite; tests replace one line at a time. */
    static final String VALID = """
            id: demo
            version: 2
            dataset:
              builtin: prompts/demo.jsonl
            prompt:
              template: "Q: {prompt}"
            generation:
              temperature: 0.0
              max_new_tokens: 64
              samples: 2
              seed: 7
            dimensions:
              refusal:
                judge: refusal
                value: refusal
            metrics:
              - name: refusal_rate
                aggregation: mean
                dimension: refusal
                indicator: ">= 0.5"
                where: {category: harmful}
                average: micro
                group_by: subset
                higher_is_better: true
            primary_metric: refusal_rate
            """;

    @TempDir
    Path dir;

    Suite parse(String yaml) throws IOException {
        Files.createDirectories(dir.resolve("suites"));
        Files.createDirectories(dir.resolve("prompts"));
        Files.writeString(dir.resolve("prompts/demo.jsonl"), "{\"id\":\"a\",\"category\":\"harmful\",\"prompt\":\"x\"}\n");
        Path file = dir.resolve("suites/bad.yaml");
        Files.writeString(file, yaml);
        return SuiteLoader.load(file);
    }

    String fieldOf(String yaml) {
        try {
            parse(yaml);
        } catch (InvalidInputException e) {
            return e.field().substring(e.field().lastIndexOf('/') + 1) + " | " + e.getMessage();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no error for:\n" + yaml);
    }

    @Test
    void everyShippedSuiteLoadsAndTheListMatchesTheDirectory() throws IOException {
        Path suites = evalsRoot().resolve("suites");
        try (Stream<Path> files = Files.list(suites)) {
            List<String> onDisk = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
            assertThat(onDisk).containsExactlyElementsOf(SuiteLoader.BUILTIN.stream().sorted().toList());
        }
        for (Suite s : SuiteLoader.allBuiltin()) {
            assertThat(s.sha256()).hasSize(64);
            assertThat(s.primary().name()).isEqualTo(s.primaryMetric());
            // The demo suites ask only the demo task's own held-out requests (evals/demo).
            assertThat(s.dataset().external().isEmpty()).as(s.id() + " names its external data")
                    .isEqualTo(SuiteLoader.DEMO.contains(s.id()));
            // The built-in set is shipped and loads (DatasetLoader checks ids, categories and dimension needs).
            LoadedDataset d = DatasetLoader.load(s, null, DatasetSelection.AUTO, 0);
            assertThat(d.builtin()).isTrue();
            assertThat(d.items()).hasSizeBetween(10, 40);
            assertThat(d.items()).extracting(EvalItem::category).doesNotContain("");
        }
    }

    @Test
    void parsesTheFields() throws IOException {
        Suite s = parse(VALID);
        assertThat(s.id()).isEqualTo("demo");
        assertThat(s.version()).isEqualTo(2);
        assertThat(s.generation().samples()).isEqualTo(2);
        assertThat(s.generation().settings("any", 99L).seed()).isEqualTo(99L);
        Suite.Metric m = s.primary();
        assertThat(m.indicator().apply(0.5)).isEqualTo(1.0);
        assertThat(m.indicator().apply(0.0)).isEqualTo(0.0);
        assertThat(m.where().categories()).containsExactly("harmful");
        assertThat(m.average()).isEqualTo(Suite.Average.MICRO);
        assertThat(m.groupBy()).isEqualTo(Suite.GroupBy.SUBSET);
    }

    @Test
    void mistakesNameFileLineAndField() {
        assertThat(fieldOf(VALID.replace("  temperature: 0.0", "  temprature: 0.0")))
                .startsWith("bad.yaml:8 generation.temprature | ").contains("unknown key 'temprature'");
        assertThat(fieldOf(VALID.replace("  temperature: 0.0", "  temperature: hot")))
                .startsWith("bad.yaml:8 generation.temperature | ").contains("expected a number");
        assertThat(fieldOf(VALID.replace("  temperature: 0.0", "  temperature: 3.5")))
                .startsWith("bad.yaml:8 generation.temperature | ").contains("between 0.0 and 2.0");
        assertThat(fieldOf(VALID.replace("\"Q: {prompt}\"", "\"Q: {question}\"")))
                .startsWith("bad.yaml:6 prompt.template | ").contains("unknown placeholder {question}");
        assertThat(fieldOf(VALID.replace("    average: micro\n", "")))
                .startsWith("bad.yaml:17 metrics[0].average | ").contains("state micro or macro");
        assertThat(fieldOf(VALID.replace("    dimension: refusal", "    dimension: refusl")))
                .startsWith("bad.yaml:19 metrics[0].dimension | ").contains("unknown dimension 'refusl'");
        assertThat(fieldOf(VALID.replace("primary_metric: refusal_rate", "primary_metric: accuracy")))
                .startsWith("bad.yaml:25 primary_metric | ");
        assertThat(fieldOf(VALID.replace("    group_by: subset", "    group_by: subset\n    group_by: category")))
                .startsWith("bad.yaml:24 metrics[0].group_by | ").contains("duplicate key");
        assertThat(fieldOf(VALID.replace("  builtin: prompts/demo.jsonl", "  builtin: prompts/missing.jsonl")))
                .startsWith("bad.yaml:4 dataset.builtin | ").contains("no such file");
        assertThat(fieldOf(VALID.replace("    average: micro", "    average: macro\n    group_by: none").replace("    group_by: subset\n", "")))
                .contains("metrics[0].average | ").contains("needs group_by");
        assertThat(fieldOf(VALID.replace("seed: 7", "seed: [7")))
                .startsWith("bad.yaml:").contains("not valid YAML");
        assertThat(fieldOf(VALID.replace("version: 2\n", ""))).startsWith("bad.yaml:1 version | ");
    }

    @Test
    void invalidUtf8NamesTheLine() throws IOException {
        Files.createDirectories(dir.resolve("suites"));
        Path file = dir.resolve("suites/bin.yaml");
        byte[] head = "id: demo\nversion: 1\ndescription: \"".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 2];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xc3;
        bytes[head.length + 1] = (byte) 0x28;
        Files.write(file, bytes);
        assertThatThrownBy(() -> SuiteLoader.load(file)).isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).field()).asString().endsWith("bin.yaml:3");
    }

    @Test
    void unknownBuiltinSuiteListsTheKnownOnes() {
        assertThatThrownBy(() -> SuiteLoader.builtin("helpfulness")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("harmlessness").hasMessageContaining("truthfulness");
    }

    static Path evalsRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("evals/suites"))) {
            p = p.getParent();
        }
        assertThat(p).as("repository root with evals/suites").isNotNull();
        return p.resolve("evals");
    }
}
