package dev.plumbline.engine.model.train;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.plumbline.engine.model.StrictJson;
import dev.plumbline.spi.InvalidInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Reads a JSONL data set, one JSON object per line (blank lines skipped). Every problem is an
 * {@link InvalidInputException} whose field starts with {@code file:line}, so a user can go straight
 * to the line.
 */
public final class JsonLines {

    private JsonLines() {}

    /**
     * @param parse turns one object into a record; its errors should name {@code source + " " + key}
     */
    public static <T> List<T> read(Path file, BiFunction<JsonObject, String, T> parse) {
        List<T> rows = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (!line.isBlank()) {
                    String source = file + ":" + number;
                    rows.add(parse.apply(object(line, source), source));
                }
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file.toString(), "file not found");
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(file.toString(), "not UTF-8 text");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new InvalidInputException(file.toString(), "contains no examples");
        }
        return rows;
    }

    /** One line as a JSON object; {@code source} names it in errors. */
    public static JsonObject object(String line, String source) {
        try {
            var root = StrictJson.parse(line);
            if (!root.isJsonObject()) {
                throw new InvalidInputException(source, "expected a JSON object");
            }
            return root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new InvalidInputException(source, "malformed JSON: " + e.getMessage());
        }
    }
}
