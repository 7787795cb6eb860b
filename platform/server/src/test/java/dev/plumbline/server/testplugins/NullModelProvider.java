package dev.plumbline.server.testplugins;

import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.ModelProvider;
import dev.plumbline.spi.ProviderContext;
import java.util.List;

/** Test-scope provider with no models, so ListPlugins has every kind to filter. */
public final class NullModelProvider implements ModelProvider {

    @Override
    public String id() {
        return "test-null-models";
    }

    @Override
    public String description() {
        return "Provides no models (test plugin).";
    }

    @Override
    public List<ModelDescriptor> listModels(ProviderContext context) {
        return List.of();
    }

    @Override
    public LanguageModel open(String modelId, ProviderContext context) {
        throw new InvalidInputException("model", "no model '" + modelId + "'");
    }
}
