package dev.plumbline.engine.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.PluginKind;
import dev.plumbline.spi.Verdict;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginRegistryTest {

    /** A judge that scores by response length; a real ServiceLoader provider (needs a public no-arg constructor). */
    public static final class LengthJudge implements Judge {
        @Override
        public String id() {
            return "test-length";
        }

        @Override
        public String description() {
            return "Scores a response by its length (test plugin).";
        }

        @Override
        public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
            return samples.stream()
                    .map(s -> Verdict.valid(s.id(), Map.of("length", (double) s.response().length()), "", null))
                    .toList();
        }
    }

    /** Claims the same id as {@link LengthJudge}. */
    public static final class ImpostorJudge implements Judge {
        @Override
        public String id() {
            return "test-length";
        }

        @Override
        public String description() {
            return "Same id as LengthJudge.";
        }
    }

    @Test
    void discoversProvidersDeclaredInMetaInfServices(@TempDir Path dir) throws IOException {
        PluginRegistry registry = PluginRegistry.discover(loaderDeclaring(dir, LengthJudge.class.getName()));

        assertThat(registry.list(PluginKind.JUDGE)).extracting(p -> p.id()).contains("test-length");
        assertThat(registry.list(PluginKind.ALGORITHM)).noneMatch(p -> p.id().equals("test-length"));
        assertThat(registry.judge("test-length")).isInstanceOf(LengthJudge.class);
    }

    @Test
    void duplicateIdFailsNamingBothClasses(@TempDir Path dir) throws IOException {
        ClassLoader loader = loaderDeclaring(dir, LengthJudge.class.getName(), ImpostorJudge.class.getName());

        assertThatThrownBy(() -> PluginRegistry.discover(loader))
                .isInstanceOf(DuplicatePluginException.class)
                .hasMessageContaining("'test-length'")
                .hasMessageContaining(LengthJudge.class.getName())
                .hasMessageContaining(ImpostorJudge.class.getName());
    }

    @Test
    void unknownIdNamesTheFieldAndTheKnownIds() {
        PluginRegistry registry = PluginRegistry.of(List.of(new LengthJudge()));

        assertThatThrownBy(() -> registry.judge("nope"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("unknown judge 'nope'")
                .hasMessageContaining("test-length")
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("judge");
        assertThatThrownBy(() -> registry.algorithm("test-length"))
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("algorithm");
    }

    @Test
    void rejectsIdsThatAreNotKebabCase() {
        Judge bad = new Judge() {
            @Override
            public String id() {
                return "Bad_Id";
            }

            @Override
            public String description() {
                return "";
            }
        };
        assertThatThrownBy(() -> PluginRegistry.of(List.of(bad))).hasMessageContaining("kebab-case");
    }

    private static ClassLoader loaderDeclaring(Path dir, String... classes) throws IOException {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(Judge.class.getName()), String.join("\n", classes) + "\n");
        // Child-first is not needed: the classes come from the parent, the services file from dir.
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, PluginRegistryTest.class.getClassLoader());
    }
}
