package dev.plumbline.plugin.model.onnx;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks a model's {@link ChatFormat} from the Jinja {@code chat_template} of its
 * tokenizer_config.json by recognising the template family instead of executing Jinja (the local
 * model layer does the same; docs/MODELS.md explains why). Anything else falls back to the
 * Plumbline format, and the choice says so, so that it shows in the model's descriptor and log.
 */
final class ChatTemplates {

    /** How the format was chosen; {@code fallback} is true when the template was not recognised. */
    record Choice(ChatFormat format, String source, boolean fallback) {}

    /** A literal default system prompt inside a ChatML template (Qwen 2.5, SmolLM2). */
    private static final Pattern CHATML_DEFAULT_SYSTEM =
            Pattern.compile("'<\\|im_start\\|>system\\\\n([^'{}]+?)<\\|im_end\\|>\\\\n'");

    /** The Jinja template the local model layer writes for its byte-tokenizer checkpoints. */
    static final String PLUMBLINE_JINJA = "{% for message in messages %}"
            + "{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

    private ChatTemplates() {}

    static Choice choose(String template, String bosToken, String eosToken) {
        if (template == null || template.isBlank()) {
            return new Choice(ChatFormat.PLUMBLINE, "no chat_template", false);
        }
        // Plumbline's own template builds the header from the role ('<|' + role + '|>'), so no literal <|user|>.
        if (template.strip().equals(PLUMBLINE_JINJA)
                || (template.contains("'<|' + message['role'] + '|>") && template.contains("<|end|>"))) {
            return new Choice(ChatFormat.PLUMBLINE, "chat_template", false);
        }
        if (template.contains("<|im_start|>")) {
            Matcher m = CHATML_DEFAULT_SYSTEM.matcher(template);
            return new Choice(ChatFormat.chatMl(m.find() ? m.group(1).replace("\\n", "\n") : null),
                    "chat_template", false);
        }
        if (template.contains("<|start_header_id|>") && template.contains("<|eot_id|>")) {
            return new Choice(ChatFormat.llama3(template.contains("bos_token") ? bosToken : null), "chat_template",
                    false);
        }
        if (template.contains("<|user|>") && template.contains("<|assistant|>")) {
            if (template.contains("<|end|>")) {
                return new Choice(ChatFormat.PLUMBLINE, "chat_template", false); // Phi-3 and Plumbline
            }
            if (template.contains("eos_token") && eosToken != null) {
                return new Choice(ChatFormat.zephyr(eosToken), "chat_template", false);
            }
        }
        return new Choice(ChatFormat.PLUMBLINE, "fallback: chat_template not recognised (known: ChatML, Llama 3, "
                + "Zephyr, Phi-3/Plumbline)", true);
    }
}
