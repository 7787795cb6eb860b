package dev.plumbline.plugin.judge.classifier;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The JSON side of a Hugging Face sequence-classification export: what {@code config.json} and
 * {@code tokenizer_config.json} say (both optional) and a check that {@code tokenizer.json} is a
 * JSON object before the Rust tokenizer sees it (its own errors are terse).
 *
 * @param dir the real path of the model directory
 * @param id2label label names by index from config.json; empty without one
 * @param padTokenId config.json {@code pad_token_id}, else tokenizer.json {@code padding.pad_id}, else 0
 * @param modelMaxLength tokenizer_config.json {@code model_max_length} when it is a usable length
 */
record ModelDirectory(Path dir, List<String> id2label, long padTokenId, OptionalInt modelMaxLength) {

    static final String FIELD = "parameters.model_dir";
    static final String MODEL_ONNX = "model.onnx";
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_CONFIG_JSON = "tokenizer_config.json";
    static final String CONFIG_JSON = "config.json";

    ModelDirectory {
        id2label = List.copyOf(id2label);
    }

    /** The directory's real path. @throws InvalidInputException naming parameters.model_dir */
    static Path locate(String modelDir) {
        if (modelDir == null || modelDir.isBlank()) {
            throw new InvalidInputException(FIELD, "is empty; give the directory that holds model.onnx and tokenizer.json");
        }
        Path dir;
        try {
            dir = Path.of(modelDir);
        } catch (RuntimeException e) {
            throw new InvalidInputException(FIELD, "\"" + modelDir + "\" is not a valid path: " + e.getMessage());
        }
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(FIELD, (Files.exists(dir) ? "is not a directory: " : "does not exist: ")
                    + dir.toAbsolutePath());
        }
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new InvalidInputException(FIELD, "cannot be read: " + dir.toAbsolutePath() + ": " + e);
        }
    }

    /** Requires model.onnx and tokenizer.json; reads the optional JSON files. */
    static ModelDirectory read(Path dir) {
        requireFile(dir, MODEL_ONNX, "the ONNX export of the classifier");
        JsonObject tokenizer = readObject(requireFile(dir, TOKENIZER_JSON, "the Hugging Face fast-tokenizer file"));
        if (!tokenizer.has("model") || !tokenizer.get("model").isJsonObject()) {
            throw invalid(dir, TOKENIZER_JSON, "has no \"model\" object; is it a Hugging Face tokenizer.json?");
        }
        List<String> id2label = List.of();
        Long padFromConfig = null;
        Path config = dir.resolve(CONFIG_JSON);
        if (Files.exists(config)) {
            JsonObject json = readObject(config);
            id2label = id2label(dir, json);
            JsonElement pad = json.get("pad_token_id");
            if (pad != null && !pad.isJsonNull()) {
                padFromConfig = integer(dir, CONFIG_JSON, "pad_token_id", pad);
            }
        }
        long padId = padFromConfig != null ? padFromConfig : tokenizerPadId(dir, tokenizer);
        OptionalInt modelMaxLength = OptionalInt.empty();
        Path tokenizerConfig = dir.resolve(TOKENIZER_CONFIG_JSON);
        if (Files.exists(tokenizerConfig)) {
            JsonElement max = readObject(tokenizerConfig).get("model_max_length");
            if (max != null && !max.isJsonNull()) {
                double value = number(dir, TOKENIZER_CONFIG_JSON, "model_max_length", max);
                // transformers writes 1e30 ("VERY_LARGE_INTEGER") when a tokenizer has no limit.
                if (value >= 1 && value < Integer.MAX_VALUE) {
                    modelMaxLength = OptionalInt.of((int) value);
                }
            }
        }
        return new ModelDirectory(dir, id2label, padId, modelMaxLength);
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    /** The directory's name, which is how provenance names the model. */
    String name() {
        Path name = dir.getFileName();
        return name == null ? dir.toString() : name.toString();
    }

    static InvalidInputException invalid(Path dir, String file, String message) {
        return new InvalidInputException(FIELD, dir.resolve(file) + " " + message);
    }

    private static Path requireFile(Path dir, String name, String what) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw invalid(dir, name, (Files.exists(file) ? "is not a regular file" : "is missing")
                    + " (" + what + ")");
        }
        if (!Files.isReadable(file)) {
            throw invalid(dir, name, "is not readable");
        }
        return file;
    }

    private static JsonObject readObject(Path file) {
        Path dir = file.getParent();
        String name = file.getFileName().toString();
        try (Reader reader = new java.io.InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8
                .newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
                JsonReader json = new JsonReader(reader)) {
            json.setStrictness(Strictness.STRICT);
            JsonElement root = JsonParser.parseReader(json);
            if (json.peek() != JsonToken.END_DOCUMENT) {
                throw invalid(dir, name, "is malformed JSON: unexpected content after the value at " + json.getPath());
            }
            if (!root.isJsonObject()) {
                throw invalid(dir, name, "is not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (CharacterCodingException e) {
            throw invalid(dir, name, "is not valid UTF-8");
        } catch (JsonParseException | IOException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root instanceof CharacterCodingException) {
                throw invalid(dir, name, "is not valid UTF-8");
            }
            String message = String.valueOf(root.getMessage());
            int help = message.indexOf("\nSee ");
            throw invalid(dir, name, "is malformed JSON: " + (help < 0 ? message : message.substring(0, help)));
        }
    }

    private static List<String> id2label(Path dir, JsonObject config) {
        JsonElement element = config.get("id2label");
        if (element == null || element.isJsonNull()) {
            return List.of();
        }
        if (!element.isJsonObject()) {
            throw invalid(dir, CONFIG_JSON, "id2label is not an object of index → label name");
        }
        Map<Integer, String> byIndex = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : element.getAsJsonObject().entrySet()) {
            int index;
            try {
                index = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw invalid(dir, CONFIG_JSON, "id2label key \"" + e.getKey() + "\" is not an index");
            }
            if (!e.getValue().isJsonPrimitive()) {
                throw invalid(dir, CONFIG_JSON, "id2label." + e.getKey() + " is not a string");
            }
            byIndex.put(index, e.getValue().getAsString());
        }
        List<String> labels = new ArrayList<>(byIndex.values());
        int expected = 0;
        for (int index : byIndex.keySet()) {
            if (index != expected++) {
                throw invalid(dir, CONFIG_JSON, "id2label indices must be 0.." + (byIndex.size() - 1) + ", got "
                        + byIndex.keySet());
            }
        }
        return labels;
    }

    private static long tokenizerPadId(Path dir, JsonObject tokenizer) {
        JsonElement padding = tokenizer.get("padding");
        if (padding != null && padding.isJsonObject() && padding.getAsJsonObject().has("pad_id")) {
            return integer(dir, TOKENIZER_JSON, "padding.pad_id", padding.getAsJsonObject().get("pad_id"));
        }
        return 0;
    }

    private static double number(Path dir, String file, String key, JsonElement value) {
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            throw invalid(dir, file, key + " is not a number: " + value);
        }
        return value.getAsDouble();
    }

    private static long integer(Path dir, String file, String key, JsonElement value) {
        double v = number(dir, file, key, value);
        if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) {
            throw invalid(dir, file, key + " is not a token id: " + value);
        }
        return (long) v;
    }
}
