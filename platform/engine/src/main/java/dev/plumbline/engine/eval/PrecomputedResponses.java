package dev.plumbline.engine.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.engine.util.Hashes;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A candidate's responses written elsewhere. JSONL, one object per line: {@code id} (an item id)
 * or {@code prompt} (the item's first user turn, exact text), {@code response} or
 * {@code responses} (one per turn), optional {@code sample} (0-based index when k > 1). Other
 * fields are ignored. A bad row is an {@link InvalidInputException} naming {@code file:line field}.
 */
public final class PrecomputedResponses {

    /** One response row. */
    public record Row(String id, String prompt, List<String> responses, int sample, String origin) {}

    private final String fileName;
    private final String sha256;
    private int rows;
    private final Map<String, Row> byId = new HashMap<>();
    private final Map<String, Row> byPrompt = new HashMap<>();

    private PrecomputedResponses(String fileName, String sha256) {
        this.fileName = fileName;
        this.sha256 = sha256;
    }

    public static PrecomputedResponses read(Path file) {
        String name = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidInputException(name, "cannot read the responses file: " + e.getMessage());
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(name + ":" + SuiteLoader.firstBadUtf8Line(bytes), "not valid UTF-8");
        }
        String[] lines = text.split("\n", -1);
        int count = 0;
        PrecomputedResponses out = new PrecomputedResponses(name, Hashes.sha256(bytes));
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String at = name + ":" + (i + 1);
            JsonNode o = DatasetLoader.parseObject(lines[i], at);
            String id = o.has("id") && !o.get("id").isNull() ? idText(o.get("id"), at) : null;
            String prompt = o.has("prompt") && !o.get("prompt").isNull() ? DatasetLoader.text(o, "prompt", at, true) : null;
            if (id == null && prompt == null) {
                throw new InvalidInputException(at + " id", "each row needs an id or a prompt to match an item");
            }
            List<String> responses;
            if (o.has("responses")) {
                responses = DatasetLoader.textList(o, "responses", at);
            } else if (o.has("response")) {
                responses = List.of(DatasetLoader.text(o, "response", at, false));
            } else {
                throw new InvalidInputException(at + " response", "missing");
            }
            int sample = 0;
            if (o.has("sample")) {
                JsonNode s = o.get("sample");
                if (!s.canConvertToInt() || !s.isIntegralNumber() || s.asInt() < 0) {
                    throw new InvalidInputException(at + " sample", "expected an integer >= 0, got " + s);
                }
                sample = s.asInt();
            }
            Row row = new Row(id, prompt, responses, sample, at);
            Map<String, Row> index = id != null ? out.byId : out.byPrompt;
            Row before = index.putIfAbsent(key(id != null ? id : prompt.strip(), sample), row);
            if (before != null) {
                throw new InvalidInputException(at + (id != null ? " id" : " prompt"),
                        "a second response for the same " + (id != null ? "id" : "prompt") + " and sample " + sample
                                + " (first at " + before.origin() + ")");
            }
            count++;
        }
        if (count == 0) {
            throw new InvalidInputException(name, "the responses file has no rows");
        }
        out.rows = count;
        return out;
    }

    private static String idText(JsonNode v, String at) {
        if (v.isTextual() && !v.asText().isBlank()) {
            return v.asText();
        }
        if (v.isIntegralNumber()) {
            return v.asText();
        }
        throw new InvalidInputException(at + " id", "expected a non-empty string");
    }

    private static String key(String idOrPrompt, int sample) {
        return sample + "\u0000" + idOrPrompt;
    }

    /** The row for an item's sample: by id first, then by the exact first-turn text. */
    public Optional<Row> find(EvalItem item, int sample) {
        Row r = byId.get(key(item.id(), sample));
        if (r == null) {
            r = byPrompt.get(key(item.turns().get(0).strip(), sample));
        }
        return Optional.ofNullable(r);
    }

    public String fileName() {
        return fileName;
    }

    public String sha256() {
        return sha256;
    }

    public int rows() {
        return rows;
    }
}
