package dev.plumbline.plugin.judge.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One response prepared for many propositions: the text with typographic apostrophes folded, a
 * lower-cased copy and word tokens, each computed at most once. Not shared between threads.
 */
final class TextView {

    private final String text;
    private final RefusalDetector refusalDetector;
    private final List<PhraseIndex> phraseIndexes;
    private String lower;
    private Map<Scope, List<String>> tokens;
    /** Tokens of the whole lower-cased text and where each ends. */
    private List<String> allTokens;
    private int[] allTokenEnds;
    private PhraseIndex.Hits[][] hits;
    private int words = -1;
    private RefusalDetector.Result refusal;

    /** @param phraseIndexes the rubric's keyword indexes, one per scope ({@link PhraseIndex.SetRef#slot()}) */
    TextView(String wellFormedText, RefusalDetector refusalDetector, List<PhraseIndex> phraseIndexes) {
        this.text = wellFormedText.replace('\u2019', '\'').replace('\u2018', '\'');
        this.refusalDetector = refusalDetector;
        this.phraseIndexes = phraseIndexes;
    }

    String text() {
        return text;
    }

    String lower() {
        if (lower == null) {
            lower = text.toLowerCase(Locale.ROOT);
        }
        return lower;
    }

    /** The part of the text a proposition looks at. */
    String scoped(Scope scope) {
        return scope.apply(text);
    }

    String scopedLower(Scope scope) {
        return scope.apply(lower());
    }

    /** Lower-case word tokens (letters, digits, inner apostrophes) of the scoped text. */
    List<String> tokens(Scope scope) {
        if (allTokens == null) {
            List<Integer> ends = new ArrayList<>();
            allTokens = tokenize(lower(), ends);
            allTokenEnds = ends.stream().mapToInt(Integer::intValue).toArray();
        }
        String lowered = lower();
        if (scope.apply(lowered).length() == lowered.length()) {
            return allTokens;
        }
        if (tokens == null) {
            tokens = new HashMap<>(4);
        }
        return tokens.computeIfAbsent(scope, s -> s.firstChars() > 0 ? firstTokens(s.firstChars())
                : tokenize(s.apply(lowered), null));
    }

    /**
     * The tokens of the first {@code n} chars without tokenizing them again: the whole text's tokens
     * that end by {@code n}, then whatever is left of a token that {@code n} cuts through.
     */
    private List<String> firstTokens(int n) {
        int k = 0;
        while (k < allTokens.size() && allTokenEnds[k] <= n) {
            k++;
        }
        List<String> out = new ArrayList<>(allTokens.subList(0, k));
        if (k < allTokens.size()) {
            int start = allTokenEnds[k] - allTokens.get(k).length();
            if (start < n) {
                out.addAll(tokenize(lower.substring(start, n), null));
            }
        }
        return out;
    }

    /** Where a keyword set matched; every set of one scope is matched in the same pass. */
    PhraseIndex.Hits hits(PhraseIndex.SetRef ref) {
        if (hits == null) {
            hits = new PhraseIndex.Hits[phraseIndexes.size()][];
        }
        PhraseIndex.Hits[] slot = hits[ref.slot()];
        if (slot == null) {
            PhraseIndex index = phraseIndexes.get(ref.slot());
            slot = index.match(tokens(index.scope()));
            hits[ref.slot()] = slot;
        }
        return slot[ref.set()];
    }

    int wordCount() {
        if (words < 0) {
            words = countWords(text);
        }
        return words;
    }

    RefusalDetector.Result refusal() {
        if (refusal == null) {
            refusal = refusalDetector.classify(text);
        }
        return refusal;
    }

    static List<String> tokenize(String s) {
        return tokenize(s, null);
    }

    /** @param ends receives the end offset of each token, when not null */
    static List<String> tokenize(String s, List<Integer> ends) {
        List<String> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            while (i < n && !isLetterOrDigit(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && (isLetterOrDigit(s.charAt(i))
                    || (s.charAt(i) == '\'' && i + 1 < n && isLetterOrDigit(s.charAt(i + 1))))) {
                i++;
            }
            if (i > start) {
                out.add(s.substring(start, i));
                if (ends != null) {
                    ends.add(i);
                }
            }
        }
        return out;
    }

    /** {@link Character#isLetterOrDigit(char)} with a fast path for ASCII, where it means [0-9A-Za-z]. */
    private static boolean isLetterOrDigit(char c) {
        if (c < 128) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
        }
        return Character.isLetterOrDigit(c);
    }

    static int countWords(CharSequence s) {
        int n = 0;
        boolean inWord = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            // Character.isWhitespace, with ASCII answered directly: tab to CR, U+001C to U+001F, space.
            boolean w = c < 128 ? !(c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\u001C' && c <= '\u001F'))
                    : !Character.isWhitespace(c);
            if (w && !inWord) {
                n++;
            }
            inWord = w;
        }
        return n;
    }
}
