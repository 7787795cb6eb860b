package dev.plumbline.engine.model.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.InvalidInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads SFT data as JSONL in TRL's formats, one example per line (blank lines are skipped):
 * <ul>
 *   <li>{@code {"prompt": "...", "completion": "..."}}</li>
 *   <li>{@code {"prompt": [{"role","content"}...], "completion": [{"role": "assistant", ...}]}}</li>
 *   <li>{@code {"messages": [{"role": "system"|"user"|"assistant", "content": "..."}...]}}</li>
 *   <li>{@code {"text": "..."}}</li>
 * </ul>
 * Every problem is an {@link InvalidInputException} whose field is {@code file:line key}.
 */
public final class SftDataset {

    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    private SftDataset() {}

    public static List<SftExample> read(Path file) {
        return JsonLines.read(file, SftDataset::parse);
    }

    /** Parses one JSONL line; {@code source} ({@code file:line}) prefixes every error's field. */
    public static SftExample parse(String line, String source) {
        return parse(JsonLines.object(line, source), source);
    }

    /** Parses one JSONL object; {@code source} ({@code file:line}) prefixes every error's field. */
    public static SftExample parse(JsonObject o, String source) {
        if (o.has("messages")) {
            List<ChatTurn> messages = messages(o.get("messages"), source + " messages");
            if (messages.stream().noneMatch(m -> m.role().equals("assistant"))) {
                throw new InvalidInputException(source + " messages", "has no assistant message to train on");
            }
            return new SftExample.Conversation(source, messages);
        }
        if (o.has("prompt") || o.has("completion")) {
            JsonElement prompt = require(o, "prompt", source);
            JsonElement completion = require(o, "completion", source);
            if (prompt.isJsonArray() || completion.isJsonArray()) {
                List<ChatTurn> p = messages(prompt, source + " prompt");
                List<ChatTurn> c = assistantMessages(completion, source + " completion");
                return new SftExample.ChatPromptCompletion(source, p, c);
            }
            String c = string(completion, source + " completion");
            if (c.isEmpty()) {
                throw new InvalidInputException(source + " completion", "is empty");
            }
            return new SftExample.PromptCompletion(source, string(prompt, source + " prompt"), c);
        }
        if (o.has("text")) {
            String text = string(o.get("text"), source + " text");
            if (text.isEmpty()) {
                throw new InvalidInputException(source + " text", "is empty");
            }
            return new SftExample.PlainText(source, text);
        }
        throw new InvalidInputException(source, "expected \"prompt\" and \"completion\", \"messages\" or \"text\"; got "
                + o.keySet());
    }

    /** The value of {@code key}; missing or null is an error on {@code source key}. */
    public static JsonElement require(JsonObject o, String key, String source) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new InvalidInputException(source + " " + key, "is required");
        }
        return e;
    }

    /** A JSON string, else an error on {@code field}. */
    public static String string(JsonElement e, String field) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new InvalidInputException(field, "expected a string or a list of messages, got " + e);
        }
        return e.getAsString();
    }

    /** A non-empty list of assistant messages (a conversational completion), else an error on {@code field}. */
    public static List<ChatTurn> assistantMessages(JsonElement e, String field) {
        List<ChatTurn> c = messages(e, field);
        if (c.isEmpty()) {
            throw new InvalidInputException(field, "is empty");
        }
        for (int i = 0; i < c.size(); i++) {
            if (!c.get(i).role().equals("assistant")) {
                throw new InvalidInputException(field + "[" + i + "].role",
                        "completion messages must be assistant messages, got " + c.get(i).role());
            }
        }
        return c;
    }

    /** A list of {@code {"role", "content"}} messages, else an error on {@code field[i]...}. */
    public static List<ChatTurn> messages(JsonElement e, String field) {
        if (e == null || !e.isJsonArray()) {
            throw new InvalidInputException(field, "expected a list of {\"role\", \"content\"} messages, got " + e);
        }
        List<ChatTurn> out = new ArrayList<>();
        int i = 0;
        for (JsonElement item : e.getAsJsonArray()) {
            String at = field + "[" + i + "]";
            if (!item.isJsonObject()) {
                throw new InvalidInputException(at, "expected a {\"role\", \"content\"} object");
            }
            JsonObject m = item.getAsJsonObject();
            JsonElement role = m.get("role");
            if (role == null || !role.isJsonPrimitive() || !ROLES.contains(role.getAsString())) {
                throw new InvalidInputException(at + ".role", "must be system, user or assistant, got " + role);
            }
            JsonElement content = m.get("content");
            if (content == null || !content.isJsonPrimitive() || !content.getAsJsonPrimitive().isString()) {
                throw new InvalidInputException(at + ".content", "expected a string, got " + content);
            }
            out.add(new ChatTurn(role.getAsString(), content.getAsString()));
            i++;
        }
        return out;
    }
}
