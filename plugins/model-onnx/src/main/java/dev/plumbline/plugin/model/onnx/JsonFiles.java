package dev.plumbline.plugin.model.onnx;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Strict reading of the JSON files of a model directory; every error names the file and field. */
final class JsonFiles {

    private JsonFiles() {}

    /** The top-level object of {@code file}. */
    static JsonObject readObject(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ModelFileException(file, null, "cannot be read: " + e, e);
        }
        JsonElement root;
        // Gson is lenient by default (comments, unquoted strings, trailing garbage).
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new ModelFileException(file, null, "is malformed JSON: unexpected content after the value");
            }
        } catch (IOException | JsonParseException e) {
            throw new ModelFileException(file, null, "is malformed JSON: " + rootMessage(e), e);
        }
        if (!root.isJsonObject()) {
            throw new ModelFileException(file, null, "is not a JSON object");
        }
        return root.getAsJsonObject();
    }

    /** The value of {@code name}, or {@code null} when absent or JSON null. */
    static JsonElement optional(JsonObject object, String name) {
        JsonElement e = object.get(name);
        return e == null || e.isJsonNull() ? null : e;
    }

    /** A non-negative integer field, or {@code null} when absent. */
    static Long integer(Path file, JsonObject object, String name) {
        JsonElement e = optional(object, name);
        return e == null ? null : integer(file, name, e);
    }

    static long integer(Path file, String name, JsonElement e) {
        if (e instanceof JsonPrimitive p && p.isNumber()) {
            double v = p.getAsDouble();
            if (v == Math.rint(v) && v >= 0 && v <= Integer.MAX_VALUE) {
                return (long) v;
            }
        }
        throw new ModelFileException(file, name, "expected a non-negative integer, got " + e);
    }

    /** A string field, or {@code null} when absent. */
    static String string(Path file, JsonObject object, String name) {
        JsonElement e = optional(object, name);
        if (e == null) {
            return null;
        }
        if (e instanceof JsonPrimitive p && p.isString()) {
            return p.getAsString();
        }
        throw new ModelFileException(file, name, "expected a string, got " + e);
    }

    private static String rootMessage(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        int help = message.indexOf("\nSee ");
        return help < 0 ? message : message.substring(0, help);
    }
}
