package dev.plumbline.engine.model.checkpoint;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.chat.ChatFormat;
import dev.plumbline.engine.model.chat.ChatTemplates;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.tokenizer.Tokenizer;
import dev.plumbline.engine.model.tokenizer.TokenizerConfig;
import dev.plumbline.engine.model.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A checkpoint directory opened as a whole: the model, its tokenizer and its chat format.
 * Layout (Hugging Face): {@code config.json}, {@code model.safetensors} (or an index plus shards),
 * {@code tokenizer.json}, {@code tokenizer_config.json}.
 */
public final class LocalCheckpoint implements AutoCloseable {

    private final Path dir;
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ChatFormat chatFormat;

    public LocalCheckpoint(Path dir, LlamaModel model, Tokenizer tokenizer, ChatFormat chatFormat) {
        this.dir = dir;
        this.model = model;
        this.tokenizer = tokenizer;
        this.chatFormat = chatFormat;
    }

    /** Opens {@code dir}; the model's weights live in a sub-manager of {@code manager}. */
    public static LocalCheckpoint load(Path dir, NDManager manager) {
        LlamaConfig config = LlamaConfig.read(dir.resolve(SafetensorsCheckpoint.CONFIG));
        TokenizerConfig tokenizerConfig = TokenizerConfig.read(dir.resolve(Tokenizers.TOKENIZER_CONFIG));
        Tokenizer tokenizer = Tokenizers.load(dir, tokenizerConfig);
        try {
            if (tokenizer.vocabSize() > config.vocabSize()) {
                throw new CheckpointException(dir.resolve(Tokenizers.TOKENIZER_JSON), null, "the tokenizer produces ids"
                        + " up to " + (tokenizer.vocabSize() - 1) + " but config.json has vocab_size "
                        + config.vocabSize());
            }
            ChatFormat format = ChatTemplates.forCheckpoint(dir.toString(), tokenizerConfig, tokenizer.specialTokens());
            LlamaModel model = SafetensorsCheckpoint.load(dir, config, manager);
            return new LocalCheckpoint(dir, model, tokenizer, format);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Writes a complete checkpoint: config.json, model.safetensors (float32) and the tokenizer files
     * (a byte tokenizer also gets a Jinja chat template for its format, so transformers can chat with it).
     */
    public static void save(Path dir, LlamaModel model, Tokenizer tokenizer) {
        SafetensorsCheckpoint.save(model, dir);
        if (tokenizer instanceof ByteTokenizer bytes) {
            bytes.save(dir, ChatTemplates.PLUMBLINE_JINJA);
        } else {
            tokenizer.save(dir);
        }
    }

    public void save(Path target) {
        save(target, model, tokenizer);
    }

    /** Ids that end a generation: config.json's eos ids, the tokenizer's eos, and the chat end-of-turn token. */
    public Set<Long> stopTokenIds() {
        Set<Long> ids = new LinkedHashSet<>(model.config().eosTokenIds());
        if (tokenizer.specialTokens().eosId() != null) {
            ids.add(tokenizer.specialTokens().eosId());
        }
        endOfTurnId().ifPresent(ids::add);
        return ids;
    }

    /** The chat format's end-of-turn marker as one token, when the tokenizer has it as one. */
    public OptionalLong endOfTurnId() {
        return tokenizer.tokenId(chatFormat.endOfTurn());
    }

    public Path dir() {
        return dir;
    }

    public LlamaModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ChatFormat chatFormat() {
        return chatFormat;
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            tokenizer.close();
        }
    }
}
