package dev.plumbline.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParametersTest {

    private static final List<ParameterSpec> SPECS = List.of(
            ParameterSpec.number("beta", 0.1, 0.0, null, "KL strength"),
            ParameterSpec.integer("num_generations", 8L, 2L, 1024L, "group size"),
            ParameterSpec.choice("loss_type", "sigmoid", List.of("sigmoid", "hinge"), "loss"),
            ParameterSpec.bool("scale", true, "whether to scale"),
            ParameterSpec.string("template", null, "required text"));

    @Test
    void fillsDefaultsAndCoercesTypes() {
        Parameters p = Parameters.resolve(SPECS, Map.of("template", "t", "num_generations", 4.0), "parameters");
        assertThat(p.number("beta")).isEqualTo(0.1);
        assertThat(p.intValue("num_generations")).isEqualTo(4);
        assertThat(p.string("loss_type")).isEqualTo("sigmoid");
        assertThat(p.bool("scale")).isTrue();
    }

    @Test
    void namesTheFieldOfEveryMistake() {
        assertField(Map.of("template", "t", "gamma", 1.0), "parameters.gamma", "unknown parameter");
        assertField(Map.of(), "parameters.template", "required");
        assertField(Map.of("template", "t", "beta", -1.0), "parameters.beta", "must be >= 0");
        assertField(Map.of("template", "t", "beta", Double.NaN), "parameters.beta", "finite");
        assertField(Map.of("template", "t", "num_generations", 2.5), "parameters.num_generations", "integer");
        assertField(Map.of("template", "t", "num_generations", 4096L), "parameters.num_generations", "<= 1024");
        assertField(Map.of("template", "t", "loss_type", "nope"), "parameters.loss_type", "one of");
        assertField(Map.of("template", "t", "scale", "yes"), "parameters.scale", "boolean");
    }

    private static void assertField(Map<String, ?> given, String field, String message) {
        assertThatThrownBy(() -> Parameters.resolve(SPECS, given, "parameters"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo(field);
    }
}
