package dev.plumbline.engine.model.chat;

import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns chat messages into the text a local model was trained on. One record covers the common
 * "header, content, end marker" families (Plumbline/Phi-3, ChatML, Llama 3, Zephyr); Llama 2's
 * {@code [INST]} format has its own rendering.
 *
 * <p>The Plumbline default, used for byte-tokenizer models and whenever a checkpoint's template is not
 * recognised:
 * <pre>
 * &lt;|system|&gt;
 * {system}&lt;|end|&gt;
 * &lt;|user|&gt;
 * {user}&lt;|end|&gt;
 * &lt;|assistant|&gt;
 * {reply}&lt;|end|&gt;
 * </pre>
 * and a generation prompt of {@code <|assistant|>\n}.
 *
 * @param name e.g. {@code plumbline}, {@code chatml}, {@code llama3}, {@code zephyr}, {@code llama2}
 * @param begin text before the first message (e.g. the BOS token), may be empty
 * @param header a turn's header with {@code {role}} standing for the role
 * @param endOfTurn ends every turn; generation stops when the model produces it
 * @param afterTurn text after {@link #endOfTurn} (e.g. a newline), not part of what the assistant says
 * @param trimContent strip whitespace around message contents (Llama 3's template does)
 * @param defaultSystem system message used when the conversation has none, or {@code null}
 */
public record ChatFormat(String name, String begin, String header, String endOfTurn, String afterTurn,
        boolean trimContent, String defaultSystem) {

    static final Set<String> ROLES = Set.of("system", "user", "assistant");

    public static final ChatFormat PLUMBLINE = new ChatFormat("plumbline", "", "<|{role}|>\n", "<|end|>", "\n",
            false, null);

    public static ChatFormat chatMl(String defaultSystem) {
        return new ChatFormat("chatml", "", "<|im_start|>{role}\n", "<|im_end|>", "\n", false, defaultSystem);
    }

    public static ChatFormat llama3(String bos) {
        return new ChatFormat("llama3", bos == null ? "" : bos, "<|start_header_id|>{role}<|end_header_id|>\n\n",
                "<|eot_id|>", "", true, null);
    }

    public static ChatFormat zephyr(String eos) {
        return new ChatFormat("zephyr", "", "<|{role}|>\n", eos, "\n", false, null);
    }

    /** Llama 2 chat ({@code <s>[INST] <<SYS>>...<</SYS>> user [/INST] reply </s>}). */
    public static ChatFormat llama2(String bos, String eos) {
        return new ChatFormat("llama2", bos == null ? "" : bos, "[INST]", eos, "", true, null);
    }

    /** The whole conversation as text; with {@code addGenerationPrompt} it ends where the reply begins. */
    public String render(List<ChatTurn> messages, boolean addGenerationPrompt) {
        StringBuilder text = new StringBuilder();
        for (ChatSegment s : segments(messages, addGenerationPrompt)) {
            text.append(s.text());
        }
        return text.toString();
    }

    /** The conversation split so that assistant replies (with their end marker) are separate segments. */
    public List<ChatSegment> segments(List<ChatTurn> messages, boolean addGenerationPrompt) {
        validate(messages);
        List<ChatTurn> turns = new ArrayList<>(messages);
        if (defaultSystem != null && (turns.isEmpty() || !"system".equals(turns.get(0).role()))) {
            turns.add(0, ChatTurn.system(defaultSystem));
        }
        if ("llama2".equals(name)) {
            return llama2Segments(turns, addGenerationPrompt);
        }
        List<ChatSegment> out = new ArrayList<>();
        StringBuilder pending = new StringBuilder(begin);
        for (ChatTurn turn : turns) {
            pending.append(header.replace("{role}", turn.role()));
            String content = trimContent ? turn.content().strip() : turn.content();
            if ("assistant".equals(turn.role())) {
                out.add(new ChatSegment(pending.toString(), false));
                pending.setLength(0);
                out.add(new ChatSegment(content + endOfTurn, true));
            } else {
                pending.append(content).append(endOfTurn);
            }
            pending.append(afterTurn);
        }
        if (addGenerationPrompt) {
            pending.append(header.replace("{role}", "assistant"));
        }
        if (pending.length() > 0) {
            out.add(new ChatSegment(pending.toString(), false));
        }
        return out;
    }

    /** What starts an assistant reply: the prompt suffix that {@link #render} adds for generation. */
    public String generationPrompt() {
        return "llama2".equals(name) ? "" : header.replace("{role}", "assistant");
    }

    private List<ChatSegment> llama2Segments(List<ChatTurn> turns, boolean addGenerationPrompt) {
        List<ChatSegment> out = new ArrayList<>();
        String system = null;
        int start = 0;
        if (!turns.isEmpty() && "system".equals(turns.get(0).role())) {
            system = turns.get(0).content();
            start = 1;
        }
        StringBuilder pending = new StringBuilder();
        boolean first = true;
        for (int i = start; i < turns.size(); i++) {
            ChatTurn turn = turns.get(i);
            if ("user".equals(turn.role())) {
                String content = turn.content();
                if (first && system != null) {
                    content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content;
                }
                pending.append(begin).append("[INST] ").append(content.strip()).append(" [/INST]");
                first = false;
            } else if ("assistant".equals(turn.role())) {
                out.add(new ChatSegment(pending.toString(), false));
                pending.setLength(0);
                out.add(new ChatSegment(" " + turn.content().strip() + " " + endOfTurn, true));
            } else {
                throw new InvalidInputException("messages[" + (i - start) + "].role",
                        "the llama2 chat format allows a system message only first");
            }
        }
        if (pending.length() > 0 || (addGenerationPrompt && out.isEmpty())) {
            out.add(new ChatSegment(pending.toString(), false));
        }
        return out;
    }

    private static void validate(List<ChatTurn> messages) {
        for (int i = 0; i < messages.size(); i++) {
            ChatTurn t = messages.get(i);
            if (t == null || t.role() == null || !ROLES.contains(t.role())) {
                throw new InvalidInputException("messages[" + i + "].role", "must be system, user or assistant, got "
                        + (t == null ? "null" : t.role()));
            }
            if (t.content() == null) {
                throw new InvalidInputException("messages[" + i + "].content", "is required");
            }
        }
    }
}
