package dev.plumbline.spi;

import java.util.List;
import java.util.function.Consumer;

/** An opened model. Closing it frees its weights or connections. */
public interface LanguageModel extends AutoCloseable {

    ModelDescriptor descriptor();

    /**
     * Generates a reply to a chat conversation.
     *
     * @param onText receives text as it is produced (may be called once with all of it)
     */
    Generation chat(List<ChatTurn> messages, GenerationSettings settings, Consumer<String> onText);

    /**
     * Continues raw text, without a chat template (OpenAI {@code /v1/completions}, base-model
     * evaluation). The tokenizer adds what it adds to a sequence (typically BOS).
     */
    default Generation complete(String prompt, GenerationSettings settings, Consumer<String> onText) {
        throw new InvalidInputException("model", "model '" + descriptor().id() + "' does not support raw completion");
    }

    /** Teacher-forced log-probs of {@code completion} after the rendered {@code messages}. */
    default List<SequenceLogProbs> logProbs(List<List<ChatTurn>> messages, List<String> completions) {
        throw new InvalidInputException("model", "model '" + descriptor().id() + "' does not expose log-probs");
    }

    @Override
    void close();
}
