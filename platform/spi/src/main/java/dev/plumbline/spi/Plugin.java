package dev.plumbline.spi;

import java.util.List;

/**
 * What every plugin declares. Plugins are discovered with {@link java.util.ServiceLoader} from
 * {@code META-INF/services/dev.plumbline.spi.Algorithm} (or {@code Judge}, {@code ModelProvider}),
 * so they work the same in plain JUnit, in the engine as a library and in the server.
 */
public interface Plugin {

    /** Stable kebab-case id used in the API, e.g. {@code dpo} or {@code llm-pairwise}. */
    String id();

    PluginKind kind();

    /** One line. */
    String description();

    default String version() {
        return "1";
    }

    /** Typed parameters with defaults and ranges; {@link Parameters#resolve} validates against them. */
    default List<ParameterSpec> parameters() {
        return List.of();
    }
}
