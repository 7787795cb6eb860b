package dev.plumbline.engine.model.tokenizer;

import java.nio.file.Path;
import java.util.OptionalLong;

/** Text to token ids and back, for a local model. */
public interface Tokenizer extends AutoCloseable {

    /**
     * Token ids of {@code text}. Special token strings in the text (e.g. {@code <|user|>}) become
     * their single ids, which is how rendered chat templates are tokenized.
     *
     * @param addSpecialTokens add what the tokenizer adds around a sequence (typically BOS)
     */
    long[] encode(String text, boolean addSpecialTokens);

    /** Text of {@code ids}; invalid UTF-8 (a partial multi-byte character) decodes to U+FFFD. */
    String decode(long[] ids, boolean skipSpecialTokens);

    /** One more than the largest id the tokenizer can produce. */
    int vocabSize();

    SpecialTokens specialTokens();

    /** The id of a special or added token written as {@code token}, if it is one. */
    OptionalLong tokenId(String token);

    /** {@code byte} or {@code huggingface}. */
    String kind();

    /** Writes the files that let {@link Tokenizers#load} (and transformers) rebuild this tokenizer. */
    void save(Path dir);

    @Override
    default void close() {}
}
