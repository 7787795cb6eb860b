package dev.plumbline.engine.model;

import java.util.Arrays;

/**
 * A token sequence and which of its tokens are targets (scored or trained on); e.g. a prompt
 * followed by a completion, with only the completion's tokens as targets. The first token can never
 * be a target: nothing precedes it to predict it.
 */
public record ScoredSequence(long[] tokens, boolean[] targets) {

    public ScoredSequence {
        if (tokens.length != targets.length) {
            throw new IllegalArgumentException("tokens and targets differ in length");
        }
        if (tokens.length > 0 && targets[0]) {
            throw new IllegalArgumentException("the first token cannot be a target");
        }
        tokens = tokens.clone();
        targets = targets.clone();
    }

    /** {@code prompt ++ completion}, the completion's tokens as targets. */
    public static ScoredSequence of(long[] prompt, long[] completion) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt needs at least one token (e.g. BOS)");
        }
        long[] tokens = Arrays.copyOf(prompt, prompt.length + completion.length);
        System.arraycopy(completion, 0, tokens, prompt.length, completion.length);
        boolean[] targets = new boolean[tokens.length];
        Arrays.fill(targets, prompt.length, tokens.length, true);
        return new ScoredSequence(tokens, targets);
    }

    public int length() {
        return tokens.length;
    }

    public int targetCount() {
        int n = 0;
        for (boolean t : targets) {
            n += t ? 1 : 0;
        }
        return n;
    }
}
