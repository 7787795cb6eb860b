package dev.plumbline.spi;

import java.util.List;

/** Lists and opens language models of one kind (local checkpoints, ONNX, OpenAI-compatible endpoints). */
public interface ModelProvider extends Plugin {

    @Override
    default PluginKind kind() {
        return PluginKind.MODEL_PROVIDER;
    }

    List<ModelDescriptor> listModels(ProviderContext context);

    /** Opens a model listed by {@link #listModels}; unknown ids throw {@link InvalidInputException}. */
    LanguageModel open(String modelId, ProviderContext context);
}
