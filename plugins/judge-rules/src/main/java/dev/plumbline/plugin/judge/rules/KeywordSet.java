package dev.plumbline.plugin.judge.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The whole-word keywords and phrases of one {@code keywords:} list (or one side of a {@code near:}).
 * A trailing {@code *} makes the last word a prefix: {@code disgust*} matches "disgusting".
 * Case-insensitive; immutable. Matching happens in {@link PhraseIndex}, one pass for every set of
 * a rubric that reads the same scope.
 *
 * <p>{@link #phrases()} is in match priority order: when several phrases of the set match at one
 * token, the first one is reported as evidence. Exact words and multi-word phrases come first (in
 * the order written), then single-word prefixes (in the order written).
 */
final class KeywordSet {

    /** @param text the keyword as written, reported as evidence */
    record Phrase(String text, String[] words, boolean lastIsPrefix) {
        boolean singleWordPrefix() {
            return lastIsPrefix && words.length == 1;
        }
    }

    private final List<Phrase> phrases;

    /** @param keywords non-blank phrases; {@link #tokensOf} must yield at least one word for each */
    KeywordSet(List<String> keywords) {
        List<Phrase> exact = new ArrayList<>();
        List<Phrase> prefixes = new ArrayList<>();
        for (String k : keywords) {
            String t = k.strip().toLowerCase(Locale.ROOT);
            boolean prefix = t.endsWith("*");
            List<String> words = TextView.tokenize(prefix ? t.substring(0, t.length() - 1) : t);
            Phrase p = new Phrase(k.strip(), words.toArray(String[]::new), prefix);
            (p.singleWordPrefix() ? prefixes : exact).add(p);
        }
        exact.addAll(prefixes);
        this.phrases = List.copyOf(exact);
    }

    static List<String> tokensOf(String keyword) {
        String t = keyword.strip();
        return TextView.tokenize(t.endsWith("*") ? t.substring(0, t.length() - 1) : t);
    }

    List<Phrase> phrases() {
        return phrases;
    }
}
