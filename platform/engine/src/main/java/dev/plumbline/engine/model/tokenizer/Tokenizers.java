package dev.plumbline.engine.model.tokenizer;

import dev.plumbline.engine.model.checkpoint.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the tokenizer of a checkpoint directory. */
public final class Tokenizers {

    public static final String TOKENIZER_JSON = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    private Tokenizers() {}

    /**
     * The Plumbline byte tokenizer when tokenizer_config.json says so (pure Java), otherwise the
     * Hugging Face tokenizer.json.
     */
    public static Tokenizer load(Path dir) {
        return load(dir, TokenizerConfig.read(dir.resolve(TOKENIZER_CONFIG)));
    }

    public static Tokenizer load(Path dir, TokenizerConfig config) {
        if (config.byteTokenizer()) {
            return new ByteTokenizer();
        }
        if (Files.isRegularFile(dir.resolve(TOKENIZER_JSON))) {
            if (!huggingFaceAvailable()) {
                throw new IllegalStateException("reading " + dir.resolve(TOKENIZER_JSON)
                        + " needs ai.djl.huggingface:tokenizers, which this build of Plumbline does not include");
            }
            return HuggingFaceTokenizerAdapter.load(dir, config);
        }
        String hint = Files.exists(dir.resolve("tokenizer.model"))
                ? " (found tokenizer.model: save the tokenizer with transformers' fast tokenizer to get tokenizer.json)"
                : "";
        throw new CheckpointException(dir.resolve(TOKENIZER_JSON), null, "no tokenizer: a local model needs "
                + "tokenizer.json, or tokenizer_config.json with \"" + ByteTokenizer.CONFIG_MARKER + "\": true" + hint);
    }

    static boolean huggingFaceAvailable() {
        try {
            Class.forName("ai.djl.huggingface.tokenizers.HuggingFaceTokenizer", false,
                    Tokenizers.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
