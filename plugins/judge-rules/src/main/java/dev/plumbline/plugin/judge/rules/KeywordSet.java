package dev.plumbline.plugin.judge.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whole-word keywords and phrases matched over word tokens in one pass (a hash lookup per token
 * instead of one regex alternation per keyword). A trailing {@code *} makes the last word a prefix:
 * {@code disgust*} matches "disgusting". Case-insensitive; immutable.
 */
final class KeywordSet {

    private record Phrase(String text, String[] words, boolean lastIsPrefix) {}

    private final Map<String, List<Phrase>> byFirstWord = new HashMap<>();
    private final List<Phrase> firstWordPrefixes = new ArrayList<>();
    private final int size;

    /** @param keywords non-blank phrases; {@link #tokensOf} must yield at least one word for each */
    KeywordSet(List<String> keywords) {
        for (String k : keywords) {
            String t = k.strip().toLowerCase(Locale.ROOT);
            boolean prefix = t.endsWith("*");
            List<String> words = TextView.tokenize(prefix ? t.substring(0, t.length() - 1) : t);
            Phrase p = new Phrase(k.strip(), words.toArray(String[]::new), prefix);
            if (prefix && words.size() == 1) {
                firstWordPrefixes.add(p);
            } else {
                byFirstWord.computeIfAbsent(words.get(0), w -> new ArrayList<>()).add(p);
            }
        }
        this.size = keywords.size();
    }

    static List<String> tokensOf(String keyword) {
        String t = keyword.strip();
        return TextView.tokenize(t.endsWith("*") ? t.substring(0, t.length() - 1) : t);
    }

    int size() {
        return size;
    }

    /**
     * Counts keyword occurrences in {@code tokens}, stopping at {@code stopAt}.
     *
     * @param firstMatch receives the first matched keyword when not null
     */
    int count(List<String> tokens, int stopAt, StringBuilder firstMatch) {
        int found = 0;
        for (int i = 0; i < tokens.size() && found < stopAt; i++) {
            String tok = tokens.get(i);
            Phrase hit = null;
            List<Phrase> candidates = byFirstWord.get(tok);
            if (candidates != null) {
                for (Phrase p : candidates) {
                    if (matchesAt(tokens, i, p)) {
                        hit = p;
                        break;
                    }
                }
            }
            if (hit == null) {
                for (Phrase p : firstWordPrefixes) {
                    if (tok.startsWith(p.words()[0])) {
                        hit = p;
                        break;
                    }
                }
            }
            if (hit != null) {
                if (found == 0 && firstMatch != null) {
                    firstMatch.append(hit.text());
                }
                found++;
            }
        }
        return found;
    }

    /**
     * Token spans {@code [start, end)} of every occurrence, in order.
     */
    List<int[]> spans(List<String> tokens) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String tok = tokens.get(i);
            List<Phrase> candidates = byFirstWord.get(tok);
            int len = 0;
            if (candidates != null) {
                for (Phrase p : candidates) {
                    if (matchesAt(tokens, i, p)) {
                        len = Math.max(len, p.words().length);
                    }
                }
            }
            if (len == 0) {
                for (Phrase p : firstWordPrefixes) {
                    if (tok.startsWith(p.words()[0])) {
                        len = 1;
                        break;
                    }
                }
            }
            if (len > 0) {
                out.add(new int[] {i, i + len});
            }
        }
        return out;
    }

    private static boolean matchesAt(List<String> tokens, int i, Phrase p) {
        String[] w = p.words();
        if (i + w.length > tokens.size()) {
            return false;
        }
        for (int k = 0; k < w.length; k++) {
            String tok = tokens.get(i + k);
            boolean last = k == w.length - 1;
            if (last && p.lastIsPrefix() ? !tok.startsWith(w[k]) : !tok.equals(w[k])) {
                return false;
            }
        }
        return true;
    }
}
