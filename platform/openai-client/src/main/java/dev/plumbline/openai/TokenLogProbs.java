package dev.plumbline.openai;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Per-token log-probs of a raw completion ({@code choices[0].logprobs}), all lists of one length.
 *
 * @param logProbs null entries where the endpoint gives none (the first token of an echoed prompt)
 * @param textOffsets where each token starts in the completion's text, counted in code points (as the
 *     Python servers count), not in Java chars
 */
public record TokenLogProbs(List<String> tokens, List<Double> logProbs, List<Integer> textOffsets) {

    public TokenLogProbs {
        if (tokens.size() != logProbs.size() || tokens.size() != textOffsets.size()) {
            throw new IllegalArgumentException("tokens, log-probs and offsets differ in length: " + tokens.size()
                    + ", " + logProbs.size() + ", " + textOffsets.size());
        }
        tokens = List.copyOf(tokens);
        logProbs = Collections.unmodifiableList(new ArrayList<>(logProbs)); // List.copyOf rejects the nulls
        textOffsets = List.copyOf(textOffsets);
    }
}
