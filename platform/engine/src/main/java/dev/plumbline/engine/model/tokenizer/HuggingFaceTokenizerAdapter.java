package dev.plumbline.engine.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.plumbline.engine.model.StrictJson;
import dev.plumbline.engine.model.checkpoint.CheckpointException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's Rust tokenizers binding (offline: the
 * native library ships in the jar). Truncation and padding are off: context limits are checked by
 * the caller, which can say what was too long.
 */
public final class HuggingFaceTokenizerAdapter implements Tokenizer {

    private final Path dir;
    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Long> tokenIds;
    private final int vocabSize;
    private final SpecialTokens specialTokens;
    private final boolean addBosByDefault;

    private HuggingFaceTokenizerAdapter(Path dir, HuggingFaceTokenizer tokenizer, Map<String, Long> tokenIds,
            int vocabSize, SpecialTokens specialTokens, boolean addBosByDefault) {
        this.dir = dir;
        this.tokenizer = tokenizer;
        this.tokenIds = tokenIds;
        this.vocabSize = vocabSize;
        this.specialTokens = specialTokens;
        this.addBosByDefault = addBosByDefault;
    }

    /** Loads {@code dir/tokenizer.json} with the special tokens named in {@code config}. */
    public static HuggingFaceTokenizerAdapter load(Path dir, TokenizerConfig config) {
        Path file = dir.resolve(Tokenizers.TOKENIZER_JSON);
        JsonObject json;
        try {
            JsonElement root = StrictJson.parse(Files.readString(file, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) {
                throw new CheckpointException(file, null, "expected a JSON object");
            }
            json = root.getAsJsonObject();
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot read: " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new CheckpointException(file, null, "malformed JSON: " + e.getMessage(), e);
        }
        Map<String, Long> ids = new HashMap<>();
        long maxId = -1;
        JsonElement model = json.get("model");
        if (model != null && model.isJsonObject() && model.getAsJsonObject().has("vocab")) {
            JsonElement vocab = model.getAsJsonObject().get("vocab");
            if (vocab.isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
                    long id = e.getValue().getAsLong();
                    ids.put(e.getKey(), id);
                    maxId = Math.max(maxId, id);
                }
            } else if (vocab.isJsonArray()) { // Unigram: [[piece, score], ...], id = index
                long id = 0;
                for (JsonElement piece : vocab.getAsJsonArray()) {
                    ids.put(piece.getAsJsonArray().get(0).getAsString(), id);
                    maxId = id++;
                }
            }
        }
        JsonElement added = json.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            for (JsonElement t : added.getAsJsonArray()) {
                JsonObject o = t.getAsJsonObject();
                long id = o.get("id").getAsLong();
                ids.put(o.get("content").getAsString(), id);
                maxId = Math.max(maxId, id);
            }
        }
        if (maxId < 0) {
            throw new CheckpointException(file, "model.vocab", "no vocabulary found");
        }
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "true", "truncation", "false",
                    "padding", "false"));
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CheckpointException(file, null, "the tokenizers library rejected it: " + e.getMessage(), e);
        }
        SpecialTokens special = new SpecialTokens(config.bosToken(), lookup(ids, config.bosToken()),
                config.eosToken(), lookup(ids, config.eosToken()), config.padToken(), lookup(ids, config.padToken()));
        return new HuggingFaceTokenizerAdapter(dir, hf, Map.copyOf(ids), (int) maxId + 1, special,
                !Boolean.FALSE.equals(config.addBosToken()));
    }

    private static Long lookup(Map<String, Long> ids, String token) {
        return token == null ? null : ids.get(token);
    }

    @Override
    public long[] encode(String text, boolean addSpecialTokens) {
        return tokenizer.encode(text, addSpecialTokens && addBosByDefault, false).getIds();
    }

    @Override
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    @Override
    public OptionalLong tokenId(String token) {
        Long id = tokenIds.get(token);
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }

    @Override
    public String kind() {
        return "huggingface";
    }

    /** Copies the tokenizer files this tokenizer was loaded from. */
    @Override
    public void save(Path target) {
        try {
            Files.createDirectories(target);
            for (String name : List.of(Tokenizers.TOKENIZER_JSON, Tokenizers.TOKENIZER_CONFIG,
                    "special_tokens_map.json", "generation_config.json")) {
                Path source = dir.resolve(name);
                Path dest = target.resolve(name);
                if (Files.isRegularFile(source) && !Files.isSameFile(dir, target)) {
                    Files.copy(source, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy tokenizer files to " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
