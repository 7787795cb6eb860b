package dev.plumbline.plugin.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Template families are recognised from tokenizer_config.json and rendered turn for turn. */
class ChatTemplatesTest {

    static final List<ChatTurn> CONVERSATION = List.of(ChatTurn.user("Hi"), ChatTurn.assistant(" Hello! "),
            ChatTurn.user("Capital of Peru?"));

    /** Qwen 2.5's template, shortened: a literal default system prompt inside ChatML. */
    static final String QWEN = "{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + "
            + "messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created "
            + "by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}{%- endif %}{%- for message in messages "
            + "%}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    static final String LLAMA3 = "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + "
            + "message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

    static final String ZEPHYR = "{% for message in messages %}{% if message['role'] == 'user' %}{{ '<|user|>\\n' "
            + "+ message['content'] + eos_token }}{% elif message['role'] == 'assistant' %}{{ '<|assistant|>\\n' + "
            + "message['content'] + eos_token }}{% endif %}{% if loop.last and add_generation_prompt %}"
            + "{{ '<|assistant|>' }}{% endif %}{% endfor %}";

    static final String PHI3 = "{% for message in messages %}{% if message['role'] == 'user' %}{{'<|user|>\\n' + "
            + "message['content'] + '<|end|>\\n' + '<|assistant|>\\n'}}{% elif message['role'] == 'assistant' %}"
            + "{{message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}";

    @Test
    void chatMlWithTheTemplatesDefaultSystemPrompt() {
        ChatTemplates.Choice choice = ChatTemplates.choose(QWEN, null, "<|im_end|>");
        assertThat(choice.format().name()).isEqualTo("chatml");
        assertThat(choice.fallback()).isFalse();
        assertThat(choice.format().renderForReply(CONVERSATION)).isEqualTo(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n Hello! <|im_end|>\n"
                        + "<|im_start|>user\nCapital of Peru?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(choice.format().renderForReply(List.of(ChatTurn.system("Be brief."), ChatTurn.user("Hi"))))
                .isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\n");
    }

    @Test
    void plainChatMlHasNoDefaultSystemPrompt() {
        String template = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
                + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}";
        assertThat(ChatTemplates.choose(template, null, null).format()).isEqualTo(ChatFormat.chatMl(null));
    }

    @Test
    void llama3TrimsContentAndStartsWithBos() {
        ChatFormat format = ChatTemplates.choose(LLAMA3, "<|begin_of_text|>", "<|eot_id|>").format();
        assertThat(format.name()).isEqualTo("llama3");
        assertThat(format.endOfTurn()).isEqualTo("<|eot_id|>");
        assertThat(format.renderForReply(CONVERSATION)).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nCapital of Peru?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void zephyrEndsTurnsWithEos() {
        ChatFormat format = ChatTemplates.choose(ZEPHYR, "<s>", "</s>").format();
        assertThat(format.name()).isEqualTo("zephyr");
        assertThat(format.renderForReply(List.of(ChatTurn.user("Hi")))).isEqualTo("<|user|>\nHi</s>\n<|assistant|>\n");
    }

    @Test
    void phi3AndPlumblineShareOneFormat() {
        assertThat(ChatTemplates.choose(PHI3, "<s>", "<|endoftext|>").format()).isEqualTo(ChatFormat.PLUMBLINE);
        assertThat(ChatTemplates.choose(ChatTemplates.PLUMBLINE_JINJA, "<bos>", "<eos>").format())
                .isEqualTo(ChatFormat.PLUMBLINE);
        assertThat(ChatFormat.PLUMBLINE.renderForReply(CONVERSATION)).isEqualTo("<|user|>\nHi<|end|>\n"
                + "<|assistant|>\n Hello! <|end|>\n<|user|>\nCapital of Peru?<|end|>\n<|assistant|>\n");
    }

    @Test
    void unknownTemplatesFallBackToPlumblineAndSaySo() {
        ChatTemplates.Choice unknown = ChatTemplates.choose("{{ '[INST] ' + messages[0]['content'] + ' [/INST]' }}",
                "<s>", "</s>");
        assertThat(unknown.format()).isEqualTo(ChatFormat.PLUMBLINE);
        assertThat(unknown.fallback()).isTrue();
        assertThat(unknown.source()).startsWith("fallback: chat_template not recognised");
        ChatTemplates.Choice none = ChatTemplates.choose(null, null, null);
        assertThat(none.format()).isEqualTo(ChatFormat.PLUMBLINE);
        assertThat(none.fallback()).isFalse();
        assertThat(none.source()).isEqualTo("no chat_template");
    }

    @Test
    void badRolesAndMissingContentNameTheMessage() {
        assertThatThrownBy(() -> ChatFormat.PLUMBLINE.renderForReply(List.of(ChatTurn.user("a"),
                new ChatTurn("tool", "b")))).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("messages[1].role"));
        assertThatThrownBy(() -> ChatFormat.PLUMBLINE.renderForReply(List.of(new ChatTurn("user", null))))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("messages[0].content"));
    }
}
