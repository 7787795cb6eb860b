package dev.plumbline.spi;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the host gives a model provider.
 *
 * @param modelsDir where local checkpoints live
 * @param settings provider settings from configuration ({@code plumbline.providers.<id>.*})
 */
public record ProviderContext(Path modelsDir, Map<String, String> settings) {

    public ProviderContext {
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }
}
