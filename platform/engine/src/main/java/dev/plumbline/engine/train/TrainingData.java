package dev.plumbline.engine.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.plumbline.engine.model.train.JsonLines;
import dev.plumbline.engine.model.train.SftDataset;
import dev.plumbline.engine.model.train.SftExample;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.InvalidInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training data in TRL's dataset formats, read from JSONL with {@code file:line key} errors:
 * <ul>
 *   <li>preference (DPO, IPO, CPO, SimPO, ORPO): {@code {"prompt", "chosen", "rejected"}} with strings or,
 *       conversational, a message list as prompt and assistant message lists as chosen/rejected; the
 *       implicit-prompt form {@code {"chosen": [...], "rejected": [...]}} takes the shared leading
 *       messages as the prompt;</li>
 *   <li>unpaired preference (KTO): {@code {"prompt", "completion", "label": true|false}}; paired data is
 *       unpaired as TRL's {@code maybe_unpair_preference_dataset} does (chosen → true, rejected → false);</li>
 *   <li>prompt-only (online algorithms): {@code {"prompt": "..." | [messages]}}, optional {@code "category"}
 *       and {@code "reference"} for the judge; other string columns are kept as metadata.</li>
 * </ul>
 */
public final class TrainingData {

    /** A prompt with a preferred and a dispreferred completion, each as an SFT example (prompt + completion). */
    public record PreferencePair(String source, SftExample chosen, SftExample rejected) {}

    /** A prompt and one completion labelled desirable or not. */
    public record LabeledCompletion(String source, SftExample example, boolean desirable) {}

    /**
     * A prompt to sample from: conversational ({@code messages}) or plain ({@code text}, exactly one set).
     *
     * @param category selects the judge's ideal behaviour ({@code JudgeSample.category}); may be empty
     */
    public record Prompt(String source, List<ChatTurn> messages, String text, String category, String reference,
            Map<String, String> metadata) {

        public Prompt {
            messages = messages == null ? null : List.copyOf(messages);
            metadata = Map.copyOf(metadata);
        }

        /** The last user turn (what a judge reads as the prompt), or the plain text. */
        public String promptText() {
            if (messages == null) {
                return text;
            }
            for (int i = messages.size() - 1; i >= 0; i--) {
                if (messages.get(i).role().equals("user")) {
                    return messages.get(i).content();
                }
            }
            return messages.get(messages.size() - 1).content();
        }

        /** Turns before the last user turn, for judges that read conversations. */
        public List<ChatTurn> history() {
            if (messages == null) {
                return List.of();
            }
            for (int i = messages.size() - 1; i >= 0; i--) {
                if (messages.get(i).role().equals("user")) {
                    return messages.subList(0, i);
                }
            }
            return List.of();
        }

        /** The prompt with {@code completion} as the answer, in the same format. */
        public SftExample withCompletion(String completion) {
            return messages == null ? new SftExample.PromptCompletion(source, text, completion)
                    : new SftExample.ChatPromptCompletion(source, messages, List.of(new ChatTurn("assistant", completion)));
        }
    }

    private TrainingData() {}

    public static List<PreferencePair> preferences(Path file) {
        return JsonLines.read(file, TrainingData::pair);
    }

    public static List<LabeledCompletion> unpaired(Path file) {
        List<LabeledCompletion> out = new ArrayList<>();
        for (Object row : JsonLines.read(file, TrainingData::unpairedRow)) {
            if (row instanceof PreferencePair p) {
                out.add(new LabeledCompletion(p.source(), p.chosen(), true));
                out.add(new LabeledCompletion(p.source(), p.rejected(), false));
            } else {
                out.add((LabeledCompletion) row);
            }
        }
        return out;
    }

    public static List<Prompt> prompts(Path file) {
        return JsonLines.read(file, TrainingData::prompt);
    }

    static PreferencePair pair(JsonObject o, String source) {
        JsonElement chosen = SftDataset.require(o, "chosen", source);
        JsonElement rejected = SftDataset.require(o, "rejected", source);
        if (!o.has("prompt")) {
            return implicitPair(chosen, rejected, source);
        }
        JsonElement prompt = o.get("prompt");
        if (prompt.isJsonArray() || chosen.isJsonArray() || rejected.isJsonArray()) {
            List<ChatTurn> p = SftDataset.messages(prompt, source + " prompt");
            if (p.isEmpty()) {
                throw new InvalidInputException(source + " prompt", "is empty");
            }
            return new PreferencePair(source,
                    new SftExample.ChatPromptCompletion(source, p, SftDataset.assistantMessages(chosen, source + " chosen")),
                    new SftExample.ChatPromptCompletion(source, p,
                            SftDataset.assistantMessages(rejected, source + " rejected")));
        }
        String p = SftDataset.string(prompt, source + " prompt");
        return new PreferencePair(source, new SftExample.PromptCompletion(source, p, nonEmpty(chosen, source + " chosen")),
                new SftExample.PromptCompletion(source, p, nonEmpty(rejected, source + " rejected")));
    }

    /** {"chosen": [...], "rejected": [...]}: the shared leading messages are the prompt (TRL implicit prompt). */
    private static PreferencePair implicitPair(JsonElement chosen, JsonElement rejected, String source) {
        if (!chosen.isJsonArray() || !rejected.isJsonArray()) {
            throw new InvalidInputException(source + " prompt", "is required unless chosen and rejected are message"
                    + " lists sharing their leading turns (implicit prompt)");
        }
        List<ChatTurn> c = SftDataset.messages(chosen, source + " chosen");
        List<ChatTurn> r = SftDataset.messages(rejected, source + " rejected");
        int shared = 0;
        while (shared < c.size() && shared < r.size() && c.get(shared).equals(r.get(shared))) {
            shared++;
        }
        if (shared == 0) {
            throw new InvalidInputException(source + " chosen", "shares no leading message with rejected, so there"
                    + " is no implicit prompt; add a \"prompt\" column");
        }
        List<ChatTurn> prompt = c.subList(0, shared);
        List<ChatTurn> cc = c.subList(shared, c.size());
        List<ChatTurn> rc = r.subList(shared, r.size());
        checkAssistant(cc, source + " chosen", shared);
        checkAssistant(rc, source + " rejected", shared);
        return new PreferencePair(source, new SftExample.ChatPromptCompletion(source, prompt, cc),
                new SftExample.ChatPromptCompletion(source, prompt, rc));
    }

    private static void checkAssistant(List<ChatTurn> completion, String field, int offset) {
        if (completion.isEmpty()) {
            throw new InvalidInputException(field, "has no turn after the shared prompt");
        }
        for (int i = 0; i < completion.size(); i++) {
            if (!completion.get(i).role().equals("assistant")) {
                throw new InvalidInputException(field + "[" + (offset + i) + "].role",
                        "completion messages must be assistant messages, got " + completion.get(i).role());
            }
        }
    }

    private static Object unpairedRow(JsonObject o, String source) {
        if (o.has("chosen") || o.has("rejected")) {
            return pair(o, source);
        }
        JsonElement prompt = SftDataset.require(o, "prompt", source);
        JsonElement completion = SftDataset.require(o, "completion", source);
        JsonElement label = SftDataset.require(o, "label", source);
        if (!label.isJsonPrimitive() || !label.getAsJsonPrimitive().isBoolean()) {
            throw new InvalidInputException(source + " label", "expected true or false, got " + label);
        }
        SftExample example;
        if (prompt.isJsonArray() || completion.isJsonArray()) {
            List<ChatTurn> p = SftDataset.messages(prompt, source + " prompt");
            example = new SftExample.ChatPromptCompletion(source, p,
                    SftDataset.assistantMessages(completion, source + " completion"));
        } else {
            example = new SftExample.PromptCompletion(source, SftDataset.string(prompt, source + " prompt"),
                    nonEmpty(completion, source + " completion"));
        }
        return new LabeledCompletion(source, example, label.getAsBoolean());
    }

    static Prompt prompt(JsonObject o, String source) {
        JsonElement prompt = SftDataset.require(o, "prompt", source);
        String category = optionalString(o, "category", source);
        String reference = optionalString(o, "reference", source);
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            JsonElement v = e.getValue();
            if (!e.getKey().equals("prompt") && v.isJsonPrimitive()) {
                metadata.put(e.getKey(), v.getAsString());
            }
        }
        if (prompt.isJsonArray()) {
            List<ChatTurn> messages = SftDataset.messages(prompt, source + " prompt");
            if (messages.isEmpty()) {
                throw new InvalidInputException(source + " prompt", "is empty");
            }
            if (messages.get(messages.size() - 1).role().equals("assistant")) {
                throw new InvalidInputException(source + " prompt[" + (messages.size() - 1) + "].role",
                        "the last prompt message must not be an assistant message");
            }
            return new Prompt(source, messages, null, category, reference, metadata);
        }
        return new Prompt(source, null, nonEmpty(prompt, source + " prompt"), category, reference, metadata);
    }

    private static String optionalString(JsonObject o, String key, String source) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return "";
        }
        return SftDataset.string(e, source + " " + key);
    }

    private static String nonEmpty(JsonElement e, String field) {
        String s = SftDataset.string(e, field);
        if (s.isEmpty()) {
            throw new InvalidInputException(field, "is empty");
        }
        return s;
    }
}
