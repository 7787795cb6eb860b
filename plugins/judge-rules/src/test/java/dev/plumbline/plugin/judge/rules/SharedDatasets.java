package dev.plumbline.plugin.judge.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The shared evaluation datasets (never copied into the repository); surefire sets
 * {@code plumbline.datasets.dir} to {@code ../shared/datasets} beside the checkout.
 */
final class SharedDatasets {

    private SharedDatasets() {}

    static Path dir() {
        String d = System.getProperty("plumbline.datasets.dir");
        assertThat(d).as("system property plumbline.datasets.dir (set by surefire)").isNotBlank();
        Path p = Path.of(d);
        assertThat(p).as("shared datasets directory").isDirectory();
        return p;
    }

    static Path file(String relative) {
        Path p = dir().resolve(relative);
        assertThat(p).as("dataset file").isRegularFile();
        return p;
    }

    /** RFC-4180 CSV with a header row (quoted multi-line fields allowed). */
    static List<Map<String, String>> csv(Path file) throws IOException {
        CsvMapper mapper = new CsvMapper();
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        try (MappingIterator<Map<String, String>> it = mapper.readerForMapOf(String.class).with(schema)
                .readValues(Files.newBufferedReader(file))) {
            return it.readAll();
        }
    }
}
