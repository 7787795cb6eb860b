package dev.plumbline.plugin.model.openai;

import dev.plumbline.openai.ModelInfo;
import dev.plumbline.openai.OpenAiClient;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.ModelProvider;
import dev.plumbline.spi.ProviderContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Models served by an OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp, another
 * Plumbline). Settings come from {@link ProviderContext#settings()}, see {@link OpenAiProviderSettings}:
 * without {@code base-url} it lists nothing; with {@code models} it lists exactly those ids without
 * contacting the endpoint, otherwise what the endpoint's {@code GET /models} returns.
 */
public final class OpenAiModelProvider implements ModelProvider {

    public static final String ID = "openai";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "Models served by an OpenAI-compatible endpoint (plumbline.providers.openai.base-url): streamed chat, "
                + "raw completion and prompt log-probs over HTTP";
    }

    @Override
    public List<ModelDescriptor> listModels(ProviderContext context) {
        OpenAiProviderSettings s = OpenAiProviderSettings.of(context.settings());
        return s.configured() ? models(s) : List.of();
    }

    @Override
    public LanguageModel open(String modelId, ProviderContext context) {
        OpenAiProviderSettings s = OpenAiProviderSettings.of(context.settings());
        if (!s.configured()) {
            throw new InvalidInputException("model", "cannot open '" + modelId + "': the " + ID
                    + " provider has no endpoint; set " + OpenAiProviderSettings.PREFIX + OpenAiProviderSettings.BASE_URL
                    + " (e.g. http://127.0.0.1:8000/v1)");
        }
        List<ModelDescriptor> models = models(s);
        ModelDescriptor descriptor = models.stream().filter(d -> d.id().equals(modelId)).findFirst()
                .orElseThrow(() -> new InvalidInputException("model", "no model '" + modelId + "' at " + s.baseUrl()
                        + "; available: " + (models.isEmpty() ? "none"
                        : String.join(", ", models.stream().map(ModelDescriptor::id).toList()))));
        return new OpenAiLanguageModel(descriptor, OpenAiClient.shared(s.endpoint()));
    }

    private List<ModelDescriptor> models(OpenAiProviderSettings s) {
        List<ModelDescriptor> out = new ArrayList<>();
        if (!s.models().isEmpty()) {
            for (String id : s.models()) {
                out.add(describe(id, s, s.contextLength(), Map.of("listed_by", "configuration")));
            }
            return out;
        }
        for (ModelInfo m : OpenAiClient.shared(s.endpoint()).listModels()) {
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("listed_by", "endpoint");
            if (!m.ownedBy().isEmpty()) {
                metadata.put("owned_by", m.ownedBy());
            }
            out.add(describe(m.id(), s, m.contextLength() > 0 ? m.contextLength() : s.contextLength(), metadata));
        }
        return out;
    }

    private ModelDescriptor describe(String id, OpenAiProviderSettings s, long contextLength, Map<String, String> extra) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("base_url", s.baseUrl());
        metadata.putAll(extra);
        return new ModelDescriptor(id, ID, "'" + id + "' at the OpenAI-compatible endpoint " + s.baseUrl(), contextLength,
                metadata);
    }
}
