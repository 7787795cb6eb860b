package dev.plumbline.plugin.model.onnx;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A model's {@code tokenizer.json} through DJL's Rust tokenizers binding (offline: the native
 * library ships in the jar). Truncation and padding are off: the caller checks the context and
 * says what was too long. The Rust tokenizer is immutable once built, so this is thread-safe.
 */
final class TextTokenizer implements AutoCloseable {

    static final String FILE = "tokenizer.json";

    private final HuggingFaceTokenizer tokenizer;
    private final boolean addBos;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, boolean addBos) {
        this.tokenizer = tokenizer;
        this.addBos = addBos;
    }

    /** Loads {@code dir/tokenizer.json}; {@code settings.addBosToken()} decides whether raw prompts get BOS. */
    static TextTokenizer load(Path dir, TokenizerSettings settings) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file, null, "is missing (the Hugging Face fast-tokenizer file; "
                    + "AutoTokenizer.from_pretrained(id).save_pretrained(dir) writes it)");
        }
        // Parsed here first: the Rust library's own messages for malformed JSON are terse.
        JsonFiles.readObject(file);
        try {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(file,
                    Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false")),
                    settings.addBosToken());
        } catch (IOException e) {
            throw new ModelFileException(file, null, "cannot be read: " + e, e);
        } catch (RuntimeException e) {
            throw new ModelFileException(file, null, "is rejected by the Hugging Face tokenizers library: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Token ids of {@code text}; special-token strings in it (e.g. {@code <|im_start|>}) become
     * their ids, which is how rendered chat templates are tokenized.
     *
     * @param addSpecialTokens add what the tokenizer's post-processor adds (typically BOS), unless
     *     tokenizer_config.json says {@code add_bos_token: false}
     */
    long[] encode(String text, boolean addSpecialTokens) {
        return tokenizer.encode(text, addSpecialTokens && addBos, false).getIds();
    }

    /** Text of {@code ids}; an unfinished UTF-8 character decodes to U+FFFD. */
    String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    /** The id of {@code token} when the tokenizer reads it as exactly one token (special or added tokens). */
    OptionalLong singleTokenId(String token) {
        if (token == null || token.isEmpty()) {
            return OptionalLong.empty();
        }
        long[] ids = tokenizer.encode(token, false, false).getIds();
        return ids.length == 1 ? OptionalLong.of(ids[0]) : OptionalLong.empty();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
