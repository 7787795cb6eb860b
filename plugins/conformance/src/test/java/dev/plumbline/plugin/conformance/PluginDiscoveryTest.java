package dev.plumbline.plugin.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.ParameterType;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Plugin;
import dev.plumbline.spi.PluginKind;
import dev.plumbline.spi.TensorSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ServiceLoader finds every algorithm plugin, and each declares a complete, self-consistent contract. */
class PluginDiscoveryTest {

    /** The algorithm ids are an API contract. */
    static final List<String> ALGORITHM_IDS = List.of("cpo", "dpo", "grpo", "ipo", "kto", "nash-md", "online-dpo",
            "orpo", "ppo", "rloo", "simpo", "sppo");

    private final PluginRegistry registry = PluginRegistry.discover();

    @Test
    void discoversAllTwelveAlgorithms() {
        assertThat(registry.list(PluginKind.ALGORITHM)).extracting(Plugin::id).containsExactlyElementsOf(ALGORITHM_IDS);
        for (String id : ALGORITHM_IDS) {
            assertThat(registry.algorithm(id).id()).isEqualTo(id);
        }
    }

    @Test
    void everyParameterIsDocumentedTypedAndRanged() {
        for (String id : ALGORITHM_IDS) {
            Algorithm a = registry.algorithm(id);
            assertThat(a.description()).as(id).isNotBlank();
            assertThat(a.parameters()).as(id).isNotEmpty();
            for (ParameterSpec p : a.parameters()) {
                String what = id + "." + p.name();
                assertThat(p.name()).as(what).matches("[a-z][a-z0-9_]*");
                assertThat(p.doc()).as(what).isNotBlank();
                assertThat(p.required()).as(what + " has a default").isFalse();
                if (p.type() == ParameterType.NUMBER || p.type() == ParameterType.INTEGER) {
                    assertThat(p.minimum()).as(what + " minimum").isNotNull();
                    assertThat(p.maximum()).as(what + " maximum").isNotNull();
                    double d = ((Number) p.defaultValue()).doubleValue();
                    assertThat(d).as(what + " default within range").isBetween(p.minimum(), p.maximum());
                }
                if (p.type() == ParameterType.ENUM) {
                    assertThat(p.allowedValues()).as(what).contains((String) p.defaultValue());
                }
            }
            assertThat(Parameters.defaults(a.parameters()).asMap()).as(id).hasSameSizeAs(a.parameters());
        }
    }

    @Test
    void everyTensorIsDocumentedAndSomeInputIsDifferentiable() {
        for (String id : ALGORITHM_IDS) {
            Algorithm a = registry.algorithm(id);
            assertThat(a.tensors()).extracting(TensorSpec::name).as(id).doesNotHaveDuplicates()
                    .allMatch(n -> n.matches("[a-z][a-z0-9_]*"));
            assertThat(a.tensors()).as(id).allSatisfy(t -> assertThat(t.doc()).as(id + "." + t.name()).isNotBlank());
            assertThat(a.tensors()).as(id + " has a required differentiable input")
                    .anyMatch(t -> t.required() && t.differentiable());
        }
    }
}
