package dev.plumbline.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.engine.model.chat.ChatFormat;
import dev.plumbline.engine.model.chat.ChatSegment;
import dev.plumbline.engine.model.chat.ChatTemplates;
import dev.plumbline.engine.model.tokenizer.SpecialTokens;
import dev.plumbline.engine.model.tokenizer.TokenizerConfig;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatFormatTest {

    static final List<ChatTurn> CHAT = List.of(ChatTurn.system("Be brief."), ChatTurn.user("Hi "),
            ChatTurn.assistant("Hello!"), ChatTurn.user("Capital of France?"));

    @Test
    void plumblineFormat() {
        assertThat(ChatFormat.PLUMBLINE.render(CHAT, true)).isEqualTo(
                "<|system|>\nBe brief.<|end|>\n<|user|>\nHi <|end|>\n<|assistant|>\nHello!<|end|>\n"
                        + "<|user|>\nCapital of France?<|end|>\n<|assistant|>\n");
        assertThat(ChatFormat.PLUMBLINE.render(CHAT.subList(1, 2), false)).isEqualTo("<|user|>\nHi <|end|>\n");
    }

    @Test
    void segmentsMarkAssistantRepliesWithTheirEndMarker() {
        List<ChatSegment> segments = ChatFormat.PLUMBLINE.segments(CHAT.subList(0, 3), false);
        assertThat(segments).containsExactly(
                new ChatSegment("<|system|>\nBe brief.<|end|>\n<|user|>\nHi <|end|>\n<|assistant|>\n", false),
                new ChatSegment("Hello!<|end|>", true),
                new ChatSegment("\n", false));
    }

    // Templates as shipped in tokenizer_config.json files (abridged to their distinctive parts).
    static final String CHATML = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
            + "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}"
            + "{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    static final String LLAMA3 = "{{- bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + "
            + "message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
    static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set system_message = messages[0]['content'] %}"
            + "{% endif %}{% for message in loop_messages %}{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";
    static final String ZEPHYR = "{% for message in messages %}{% if message['role'] == 'user' %}"
            + "{{ '<|user|>\\n' + message['content'] + eos_token }}{% elif message['role'] == 'assistant' %}"
            + "{{ '<|assistant|>\\n'  + message['content'] + eos_token }}{% endif %}{% if loop.last and "
            + "add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}{% endfor %}";

    static final SpecialTokens LLAMA_TOKENS = new SpecialTokens("<s>", 1L, "</s>", 2L, null, null);

    @Test
    void recognisesChatMlWithItsDefaultSystemPrompt() {
        ChatFormat f = ChatTemplates.recognise(CHATML, LLAMA_TOKENS).orElseThrow();
        assertThat(f.name()).isEqualTo("chatml");
        assertThat(f.render(List.of(ChatTurn.user("Hi")), true)).isEqualTo(
                "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(f.render(List.of(ChatTurn.system("S"), ChatTurn.user("Hi")), false))
                .isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
    }

    @Test
    void recognisesLlama3() {
        ChatFormat f = ChatTemplates.recognise(LLAMA3, new SpecialTokens("<|begin_of_text|>", 0L, "<|eot_id|>", 1L,
                null, null)).orElseThrow();
        assertThat(f.render(List.of(ChatTurn.user(" Hi ")), true)).isEqualTo("<|begin_of_text|><|start_header_id|>"
                + "user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(f.endOfTurn()).isEqualTo("<|eot_id|>");
    }

    @Test
    void recognisesLlama2() {
        ChatFormat f = ChatTemplates.recognise(LLAMA2, LLAMA_TOKENS).orElseThrow();
        assertThat(f.render(CHAT, true)).isEqualTo("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s>"
                + "<s>[INST] Capital of France? [/INST]");
        assertThat(f.segments(CHAT.subList(0, 3), false).get(1)).isEqualTo(new ChatSegment(" Hello! </s>", true));
    }

    @Test
    void recognisesZephyrAndPhi3() {
        ChatFormat zephyr = ChatTemplates.recognise(ZEPHYR, LLAMA_TOKENS).orElseThrow();
        assertThat(zephyr.render(List.of(ChatTurn.user("Hi")), true)).isEqualTo("<|user|>\nHi</s>\n<|assistant|>\n");
        assertThat(ChatTemplates.recognise(ChatTemplates.PLUMBLINE_JINJA, null)).contains(ChatFormat.PLUMBLINE);
    }

    @Test
    void unknownTemplatesFallBackToThePlumblineFormat() {
        TokenizerConfig config = new TokenizerConfig(null, null, null, null, "{{ messages | tojson }}", null, null,
                false);
        assertThat(ChatTemplates.recognise(config.chatTemplate(), LLAMA_TOKENS)).isEmpty();
        assertThat(ChatTemplates.forCheckpoint("test", config, LLAMA_TOKENS)).isEqualTo(ChatFormat.PLUMBLINE);
    }

    @Test
    void badRolesAreNamed() {
        assertThatThrownBy(() -> ChatFormat.PLUMBLINE.render(List.of(ChatTurn.user("a"), new ChatTurn("tool", "x")),
                true)).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("messages[1].role"));
    }
}
