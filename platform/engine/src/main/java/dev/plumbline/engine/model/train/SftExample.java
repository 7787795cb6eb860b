package dev.plumbline.engine.model.train;

import dev.plumbline.spi.ChatTurn;
import java.util.List;

/** One SFT training example in one of TRL's dataset formats; {@code source} is {@code file:line}. */
public sealed interface SftExample {

    String source();

    /** {@code {"prompt": "...", "completion": "..."}}: trains on the completion (plus EOS). */
    record PromptCompletion(String source, String prompt, String completion) implements SftExample {}

    /** Conversational prompt/completion: {@code prompt} and {@code completion} are message lists. */
    record ChatPromptCompletion(String source, List<ChatTurn> prompt, List<ChatTurn> completion)
            implements SftExample {
        public ChatPromptCompletion {
            prompt = List.copyOf(prompt);
            completion = List.copyOf(completion);
        }
    }

    /** {@code {"messages": [...]}}: trains on every assistant turn. */
    record Conversation(String source, List<ChatTurn> messages) implements SftExample {
        public Conversation {
            messages = List.copyOf(messages);
        }
    }

    /** {@code {"text": "..."}} (language modelling): trains on every token. */
    record PlainText(String source, String text) implements SftExample {}
}
