package dev.plumbline.engine.model.train;

import dev.plumbline.engine.model.ScoredSequence;
import dev.plumbline.engine.model.chat.ChatFormat;
import dev.plumbline.engine.model.chat.ChatSegment;
import dev.plumbline.engine.model.tokenizer.Tokenizer;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Tokenizes SFT examples into {@link ScoredSequence}s: which tokens the loss covers. Chat examples
 * are rendered with the model's {@link ChatFormat} and tokenized segment by segment, so an
 * assistant reply and the end-of-turn marker after it are the targets; plain prompt/completion
 * pairs get the tokenizer's BOS in front and EOS after the completion, as TRL does.
 */
public final class SftEncoder {

    private final Tokenizer tokenizer;
    private final ChatFormat format;
    private final boolean completionOnly;
    private final int maxLength;

    public SftEncoder(Tokenizer tokenizer, ChatFormat format, boolean completionOnly, int maxLength) {
        this.tokenizer = tokenizer;
        this.format = format;
        this.completionOnly = completionOnly;
        this.maxLength = maxLength;
    }

    public ScoredSequence encode(SftExample example) {
        List<Long> tokens = new ArrayList<>();
        List<Boolean> targets = new ArrayList<>();
        Long eos = tokenizer.specialTokens().eosId();
        if (example instanceof SftExample.PromptCompletion pc) {
            append(tokens, targets, tokenizer.encode(pc.prompt(), true), false);
            append(tokens, targets, tokenizer.encode(pc.completion(), false), true);
            if (eos != null) {
                append(tokens, targets, new long[] {eos}, true);
            }
        } else if (example instanceof SftExample.PlainText t) {
            append(tokens, targets, tokenizer.encode(t.text(), true), true);
            if (eos != null) {
                append(tokens, targets, new long[] {eos}, true);
            }
        } else if (example instanceof SftExample.Conversation c) {
            appendChat(tokens, targets, c.messages(), 0);
        } else if (example instanceof SftExample.ChatPromptCompletion c) {
            List<ChatTurn> all = new ArrayList<>(c.prompt());
            all.addAll(c.completion());
            int promptReplies = (int) c.prompt().stream().filter(m -> m.role().equals("assistant")).count();
            appendChat(tokens, targets, all, promptReplies);
        }
        if (tokens.size() > maxLength) {
            tokens = tokens.subList(0, maxLength);
            targets = targets.subList(0, maxLength);
        }
        if (tokens.size() < 2) {
            throw new InvalidInputException(example.source(), "encodes to fewer than two tokens");
        }
        long[] ids = new long[tokens.size()];
        boolean[] scored = new boolean[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens.get(i);
            // Position 0 has nothing before it to predict it from.
            scored[i] = i > 0 && (!completionOnly || targets.get(i));
        }
        return new ScoredSequence(ids, scored);
    }

    private void appendChat(List<Long> tokens, List<Boolean> targets, List<ChatTurn> messages, int skipReplies) {
        int replies = 0;
        for (ChatSegment s : format.segments(messages, false)) {
            boolean trained = s.assistant() && replies++ >= skipReplies;
            append(tokens, targets, tokenizer.encode(s.text(), false), trained);
        }
    }

    private static void append(List<Long> tokens, List<Boolean> targets, long[] ids, boolean target) {
        for (long id : ids) {
            tokens.add(id);
            targets.add(target);
        }
    }
}
