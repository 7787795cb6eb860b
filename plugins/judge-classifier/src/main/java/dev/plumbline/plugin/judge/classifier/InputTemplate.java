package dev.plumbline.plugin.judge.classifier;

import dev.plumbline.spi.TextChecks;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.JudgeSample;
import java.util.List;
import java.util.Locale;

/** How a prompt and a response become the classifier's input text (or text pair). */
enum InputTemplate {
    /** The response alone; the prompt and history are ignored. */
    RESPONSE("response"),
    /**
     * Tokenizer pair encoding (prompt, response), e.g. {@code [CLS] prompt [SEP] response [SEP]}:
     * how OpenAssistant's DeBERTa reward models were trained.
     */
    PAIR("pair"),
    /** One text: {@code User: …\nAssistant: …} (earlier turns first, one per line). */
    CHAT("chat");

    static final List<String> NAMES = List.of(PAIR.parameterValue, RESPONSE.parameterValue, CHAT.parameterValue);

    final String parameterValue;

    InputTemplate(String parameterValue) {
        this.parameterValue = parameterValue;
    }

    static InputTemplate fromParameter(String value) {
        for (InputTemplate t : values()) {
            if (t.parameterValue.equals(value)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown template " + value);
    }

    /**
     * The input as the tokenizer sees it.
     *
     * @param second null unless this is a pair encoding
     * @param context for a single text that ends with a non-blank response: the text before the
     *     response, so that truncation that cuts the response away entirely can be detected; else null
     */
    record Rendered(String first, String second, String context) {

        Rendered(String first, String second) {
            this(first, second, null);
        }
    }

    Rendered render(JudgeSample sample) {
        String prompt = sample.prompt() == null ? "" : TextChecks.wellFormed(sample.prompt());
        String response = TextChecks.wellFormed(sample.response());
        return switch (this) {
            case RESPONSE -> new Rendered(response, null);
            case PAIR -> new Rendered(history(sample.history()) + prompt, response);
            case CHAT -> {
                String context = history(sample.history()) + "User: " + prompt + "\nAssistant: ";
                yield new Rendered(context + response, null, response.isBlank() ? null : context);
            }
        };
    }

    private static String history(List<ChatTurn> turns) {
        StringBuilder sb = new StringBuilder();
        for (ChatTurn turn : turns) {
            String role = turn.role() == null ? "user" : turn.role().toLowerCase(Locale.ROOT);
            String speaker = switch (role) {
                case "assistant" -> "Assistant";
                case "system" -> "System";
                default -> "User";
            };
            sb.append(speaker).append(": ").append(TextChecks.wellFormed(turn.content())).append('\n');
        }
        return sb.toString();
    }
}
