package dev.plumbline.plugin.model.onnx;

import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Renders chat messages as the text a model was trained on, for the "header, content, end marker"
 * template families: Plumbline/Phi-3, ChatML, Llama 3, Zephyr. The same turn structure as the local
 * model layer's formats (this plugin cannot import the engine).
 *
 * <p>The Plumbline format, used when a model has no recognised template:
 * <pre>
 * &lt;|system|&gt;
 * {system}&lt;|end|&gt;
 * &lt;|user|&gt;
 * {user}&lt;|end|&gt;
 * &lt;|assistant|&gt;
 * </pre>
 *
 * @param name {@code plumbline}, {@code chatml}, {@code llama3} or {@code zephyr}
 * @param begin text before the first message (Llama 3's BOS), may be empty
 * @param header a turn's header; {@code {role}} stands for the role
 * @param endOfTurn ends every turn; generation stops when the model produces it
 * @param afterTurn text after the end marker (a newline), not part of a reply
 * @param trimContent strip whitespace around contents (Llama 3's template does)
 * @param defaultSystem system message used when the conversation has none, or {@code null}
 */
record ChatFormat(String name, String begin, String header, String endOfTurn, String afterTurn,
        boolean trimContent, String defaultSystem) {

    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    static final ChatFormat PLUMBLINE = new ChatFormat("plumbline", "", "<|{role}|>\n", "<|end|>", "\n", false,
            null);

    static ChatFormat chatMl(String defaultSystem) {
        return new ChatFormat("chatml", "", "<|im_start|>{role}\n", "<|im_end|>", "\n", false, defaultSystem);
    }

    static ChatFormat llama3(String bos) {
        return new ChatFormat("llama3", bos == null ? "" : bos, "<|start_header_id|>{role}<|end_header_id|>\n\n",
                "<|eot_id|>", "", true, null);
    }

    static ChatFormat zephyr(String eos) {
        return new ChatFormat("zephyr", "", "<|{role}|>\n", eos, "\n", false, null);
    }

    /**
     * The conversation as text, ending with the assistant header so the model writes the reply.
     *
     * @throws InvalidInputException naming {@code messages[i].role} or {@code .content}
     */
    String renderForReply(List<ChatTurn> messages) {
        for (int i = 0; i < messages.size(); i++) {
            ChatTurn turn = messages.get(i);
            if (turn == null || turn.role() == null || !ROLES.contains(turn.role())) {
                throw new InvalidInputException("messages[" + i + "].role", "must be system, user or assistant, got "
                        + (turn == null ? "null" : turn.role()));
            }
            if (turn.content() == null) {
                throw new InvalidInputException("messages[" + i + "].content", "is required");
            }
        }
        List<ChatTurn> turns = new ArrayList<>(messages);
        if (defaultSystem != null && (turns.isEmpty() || !"system".equals(turns.get(0).role()))) {
            turns.add(0, ChatTurn.system(defaultSystem));
        }
        StringBuilder text = new StringBuilder(begin);
        for (ChatTurn turn : turns) {
            text.append(header.replace("{role}", turn.role()))
                    .append(trimContent ? turn.content().strip() : turn.content())
                    .append(endOfTurn).append(afterTurn);
        }
        return text.append(header.replace("{role}", "assistant")).toString();
    }
}
