package dev.plumbline.engine.model.chat;

import dev.plumbline.engine.model.tokenizer.SpecialTokens;
import dev.plumbline.engine.model.tokenizer.TokenizerConfig;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks a checkpoint's {@link ChatFormat} from the Jinja {@code chat_template} in its
 * tokenizer_config.json by recognising the common families, without a Jinja engine: the templates
 * Hugging Face models ship use Python-isms ({@code .strip()}, {@code raise_exception},
 * {@code namespace}) that Java Jinja ports do not all support, and recognising the handful of
 * families in use gives the exact turn structure. Unrecognised templates fall back to
 * {@link ChatFormat#PLUMBLINE} with a warning.
 */
public final class ChatTemplates {

    private static final Logger LOG = LoggerFactory.getLogger(ChatTemplates.class);

    /** A literal default system prompt inside a ChatML template (Qwen 2.5, SmolLM2). */
    private static final Pattern CHATML_DEFAULT_SYSTEM =
            Pattern.compile("'<\\|im_start\\|>system\\\\n([^'{}]+?)<\\|im_end\\|>\\\\n'");

    private ChatTemplates() {}

    /** The format for a template, if it belongs to a family this class knows. */
    public static Optional<ChatFormat> recognise(String template, SpecialTokens tokens) {
        if (template == null || template.isBlank()) {
            return Optional.empty();
        }
        if (template.strip().equals(PLUMBLINE_JINJA)) {
            return Optional.of(ChatFormat.PLUMBLINE);
        }
        String bos = tokens == null ? null : tokens.bos();
        String eos = tokens == null ? null : tokens.eos();
        if (template.contains("<|im_start|>")) {
            Matcher m = CHATML_DEFAULT_SYSTEM.matcher(template);
            String defaultSystem = m.find() ? m.group(1).replace("\\n", "\n") : null;
            return Optional.of(ChatFormat.chatMl(defaultSystem));
        }
        if (template.contains("<|start_header_id|>") && template.contains("<|eot_id|>")) {
            return Optional.of(ChatFormat.llama3(template.contains("bos_token") ? bos : null));
        }
        if (template.contains("[INST]") && template.contains("<<SYS>>") && eos != null) {
            return Optional.of(ChatFormat.llama2(template.contains("bos_token") ? bos : null, eos));
        }
        if (template.contains("<|user|>") && template.contains("<|assistant|>")) {
            if (template.contains("<|end|>")) {
                return Optional.of(ChatFormat.PLUMBLINE); // Phi-3 and Plumbline share this format
            }
            if (template.contains("eos_token") && eos != null) {
                return Optional.of(ChatFormat.zephyr(eos));
            }
        }
        return Optional.empty();
    }

    /** The checkpoint's format: recognised from its template, else the Plumbline default (logged). */
    public static ChatFormat forCheckpoint(String source, TokenizerConfig config, SpecialTokens tokens) {
        if (config.chatTemplate() == null) {
            LOG.debug("{}: no chat_template; using the {} chat format", source, ChatFormat.PLUMBLINE.name());
            return ChatFormat.PLUMBLINE;
        }
        Optional<ChatFormat> format = recognise(config.chatTemplate(), tokens);
        if (format.isPresent()) {
            LOG.info("{}: chat_template recognised as {}", source, format.get().name());
            return format.get();
        }
        LOG.warn("{}: chat_template is not a recognised family (ChatML, Llama 3, Llama 2, Zephyr, Phi-3); "
                + "Plumbline does not execute Jinja and falls back to its own format (<|user|>\\n...<|end|>\\n"
                + "<|assistant|>\\n), which this model may not follow", source);
        return ChatFormat.PLUMBLINE;
    }

    /** A Jinja template equivalent to {@link ChatFormat#PLUMBLINE}, written into saved byte-tokenizer checkpoints. */
    public static final String PLUMBLINE_JINJA = "{% for message in messages %}"
            + "{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";
}
