package dev.plumbline.plugin.model.onnx;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The parts of {@code tokenizer_config.json} generation needs. Token fields may be strings or
 * {@code {"content": ...}} objects; {@code chat_template} may be a string or a list of named
 * templates (the one named {@code default} is used).
 *
 * @param chatTemplate the Jinja chat template, or {@code null}
 * @param addBosToken {@code false} only when the file says so (then raw prompts get no BOS)
 */
record TokenizerSettings(String bosToken, String eosToken, String padToken, String chatTemplate,
        boolean addBosToken) {

    static final String FILE = "tokenizer_config.json";
    static final TokenizerSettings NONE = new TokenizerSettings(null, null, null, null, true);

    /** Reads {@code file}; a missing file means no settings. */
    static TokenizerSettings read(Path file) {
        if (!Files.exists(file)) {
            return NONE;
        }
        JsonObject json = JsonFiles.readObject(file);
        JsonElement addBos = JsonFiles.optional(json, "add_bos_token");
        if (addBos != null && !(addBos instanceof JsonPrimitive p && p.isBoolean())) {
            throw new ModelFileException(file, "add_bos_token", "expected true or false, got " + addBos);
        }
        return new TokenizerSettings(token(file, json, "bos_token"), token(file, json, "eos_token"),
                token(file, json, "pad_token"), chatTemplate(file, json), addBos == null || addBos.getAsBoolean());
    }

    private static String token(Path file, JsonObject json, String field) {
        JsonElement e = JsonFiles.optional(json, field);
        if (e == null) {
            return null;
        }
        if (e instanceof JsonPrimitive p && p.isString()) {
            return p.getAsString();
        }
        if (e instanceof JsonObject o && o.get("content") instanceof JsonPrimitive c && c.isString()) {
            return c.getAsString();
        }
        throw new ModelFileException(file, field, "expected a string or an object with a \"content\" string, got "
                + e);
    }

    private static String chatTemplate(Path file, JsonObject json) {
        JsonElement e = JsonFiles.optional(json, "chat_template");
        if (e == null) {
            return null;
        }
        if (e instanceof JsonPrimitive p && p.isString()) {
            return p.getAsString();
        }
        if (e.isJsonArray()) {
            for (JsonElement item : e.getAsJsonArray()) {
                if (item instanceof JsonObject o && o.get("name") instanceof JsonPrimitive name
                        && "default".equals(name.getAsString()) && o.get("template") instanceof JsonPrimitive t) {
                    return t.getAsString();
                }
            }
            return null;
        }
        throw new ModelFileException(file, "chat_template", "expected a string or a list of {name, template} objects");
    }
}
