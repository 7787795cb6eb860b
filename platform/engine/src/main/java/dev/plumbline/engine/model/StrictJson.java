package dev.plumbline.engine.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;

/** Strict JSON parsing: Gson's default is lenient (unquoted strings, comments, trailing garbage). */
public final class StrictJson {

    private StrictJson() {}

    /**
     * Parses one JSON document.
     *
     * @throws JsonParseException with Gson's "line L column C path $.x" description when malformed
     */
    public static JsonElement parse(String text) {
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement element = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonParseException("unexpected content after the JSON value at " + reader.getPath());
            }
            return element;
        } catch (IOException | JsonParseException e) {
            throw new JsonParseException(describe(e), e);
        }
    }

    /** Gson's innermost message ("Expected name at line 3 column 2 path $.x") without its help link. */
    private static String describe(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        int help = message.indexOf("\nSee ");
        return help < 0 ? message : message.substring(0, help);
    }
}
