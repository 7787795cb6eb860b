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
    private String lower;
    private Map<Scope, List<String>> tokens;
    private int words = -1;
    private RefusalDetector.Result refusal;

    TextView(String wellFormedText, RefusalDetector refusalDetector) {
        this.text = wellFormedText.replace('\u2019', '\'').replace('\u2018', '\'');
        this.refusalDetector = refusalDetector;
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
    CharSequence scoped(Scope scope) {
        return scope.apply(text);
    }

    CharSequence scopedLower(Scope scope) {
        return scope.apply(lower());
    }

    /** Lower-case word tokens (letters, digits, inner apostrophes) of the scoped text. */
    List<String> tokens(Scope scope) {
        if (tokens == null) {
            tokens = new HashMap<>(4);
        }
        return tokens.computeIfAbsent(scope, s -> tokenize(s.apply(lower())));
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

    static List<String> tokenize(CharSequence s) {
        List<String> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && (Character.isLetterOrDigit(s.charAt(i))
                    || (s.charAt(i) == '\'' && i + 1 < n && Character.isLetterOrDigit(s.charAt(i + 1))))) {
                i++;
            }
            if (i > start) {
                out.add(s.subSequence(start, i).toString());
            }
        }
        return out;
    }

    static int countWords(CharSequence s) {
        int n = 0;
        boolean inWord = false;
        for (int i = 0; i < s.length(); i++) {
            boolean w = !Character.isWhitespace(s.charAt(i));
            if (w && !inWord) {
                n++;
            }
            inWord = w;
        }
        return n;
    }
}
