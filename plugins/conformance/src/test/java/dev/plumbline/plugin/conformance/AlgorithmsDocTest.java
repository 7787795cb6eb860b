package dev.plumbline.plugin.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/ALGORITHMS.md documents every algorithm, parameter (with its default) and tensor the plugins declare. */
class AlgorithmsDocTest {

    @Test
    void everyParameterAndTensorIsDocumented() throws IOException {
        String repo = System.getProperty("plumbline.repo.dir");
        assertThat(repo).as("system property plumbline.repo.dir (set by surefire)").isNotBlank();
        String doc = Files.readString(Path.of(repo, "docs", "ALGORITHMS.md"));
        PluginRegistry registry = PluginRegistry.discover();
        for (String id : PluginDiscoveryTest.ALGORITHM_IDS) {
            Algorithm a = registry.algorithm(id);
            int section = doc.indexOf("\n## " + id + " ");
            assertThat(section).as("section for %s", id).isPositive();
            int end = doc.indexOf("\n## ", section + 1);
            String text = doc.substring(section, end < 0 ? doc.length() : end);
            for (ParameterSpec p : a.parameters()) {
                assertThat(text).as("%s documents parameter %s", id, p.name()).contains("| `" + p.name() + "` |");
            }
            for (TensorSpec t : a.tensors()) {
                assertThat(text).as("%s documents tensor %s", id, t.name())
                        .contains("| `" + t.name() + "` | `" + t.shapeText() + "` |");
            }
        }
    }
}
