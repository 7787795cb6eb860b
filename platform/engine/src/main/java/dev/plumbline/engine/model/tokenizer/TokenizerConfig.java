package dev.plumbline.engine.model.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.plumbline.engine.model.StrictJson;
import dev.plumbline.engine.model.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The parts of a Hugging Face {@code tokenizer_config.json} local models use. Token fields may be
 * strings or {@code {"content": ...}} objects; {@code chat_template} may be a string or a list of
 * named templates (the one named {@code default} is used).
 *
 * @param chatTemplate the Jinja chat template, or {@code null}
 * @param byteTokenizer true when written by {@link ByteTokenizer#save}
 */
public record TokenizerConfig(String bosToken, String eosToken, String padToken, String unkToken,
        String chatTemplate, Boolean addBosToken, Long modelMaxLength, boolean byteTokenizer) {

    public static final TokenizerConfig EMPTY = new TokenizerConfig(null, null, null, null, null, null, null, false);

    /** Reads {@code file}; a missing file is {@link #EMPTY}. */
    public static TokenizerConfig read(Path file) {
        if (!Files.isRegularFile(file)) {
            return EMPTY;
        }
        JsonElement root;
        try {
            root = StrictJson.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot read: " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new CheckpointException(file, null, "malformed JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) {
            throw new CheckpointException(file, null, "expected a JSON object");
        }
        JsonObject o = root.getAsJsonObject();
        Long maxLength = null;
        JsonElement ml = o.get("model_max_length");
        if (ml != null && ml.isJsonPrimitive() && ml.getAsJsonPrimitive().isNumber()) {
            double d = ml.getAsDouble();
            maxLength = d > Long.MAX_VALUE / 2 ? null : (long) d; // transformers writes 1e30 for "unbounded"
        }
        JsonElement addBos = o.get("add_bos_token");
        return new TokenizerConfig(token(file, o, "bos_token"), token(file, o, "eos_token"),
                token(file, o, "pad_token"), token(file, o, "unk_token"), chatTemplate(file, o),
                addBos != null && addBos.isJsonPrimitive() && addBos.getAsJsonPrimitive().isBoolean()
                        ? addBos.getAsBoolean() : null,
                maxLength,
                o.has(ByteTokenizer.CONFIG_MARKER) && o.get(ByteTokenizer.CONFIG_MARKER).isJsonPrimitive()
                        && o.get(ByteTokenizer.CONFIG_MARKER).getAsBoolean());
    }

    private static String token(Path file, JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
            return e.getAsJsonObject().get("content").getAsString();
        }
        throw new CheckpointException(file, field, "expected a string or an object with \"content\", got " + e);
    }

    private static String chatTemplate(Path file, JsonObject o) {
        JsonElement e = o.get("chat_template");
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonArray()) {
            for (JsonElement item : e.getAsJsonArray()) {
                if (item.isJsonObject() && item.getAsJsonObject().has("name")
                        && "default".equals(item.getAsJsonObject().get("name").getAsString())
                        && item.getAsJsonObject().has("template")) {
                    return item.getAsJsonObject().get("template").getAsString();
                }
            }
            return null;
        }
        throw new CheckpointException(file, "chat_template", "expected a string or a list of named templates");
    }
}
