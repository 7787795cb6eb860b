package dev.plumbline.plugin.model.openai;

import dev.plumbline.spi.ChatTurn;
import java.util.List;
import java.util.Locale;

/**
 * A conversation as plain text, for {@code /completions}, which takes raw text while the served
 * model's chat template is unknown here: {@code System: …}, {@code User: …}, {@code Assistant: …}
 * turns separated by a blank line, ending in {@code Assistant:}. The completion follows after one
 * space, so its first word keeps the leading space most tokenizers attach to words (as in
 * lm-evaluation-harness' {@code "Q: …\nA:"} + {@code " answer"}).
 */
final class PlainTranscript {

    private PlainTranscript() {}

    static String prompt(List<ChatTurn> conversation) {
        StringBuilder b = new StringBuilder();
        for (ChatTurn turn : conversation) {
            b.append(label(turn.role())).append(": ").append(turn.content()).append("\n\n");
        }
        return b.append("Assistant:").toString();
    }

    static String continuation(String completion) {
        return completion.isEmpty() || Character.isWhitespace(completion.charAt(0)) ? completion : " " + completion;
    }

    private static String label(String role) {
        return role.isEmpty() ? role : role.substring(0, 1).toUpperCase(Locale.ROOT) + role.substring(1);
    }
}
