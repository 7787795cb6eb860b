package dev.plumbline.plugin.judge.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every keyword set of a rubric that reads one scope, matched together in one pass over the
 * tokens: a hash lookup of each token among all phrases' first words, and a walk of each token down
 * a character trie of all single-word prefixes ({@code therapist*}). Before this, each set made
 * its own pass, and a rubric has a dozen or more. Immutable and thread-safe.
 */
final class PhraseIndex {

    /**
     * A keyword set's place: {@code slot} is its scope's index among the rubric's indexes, {@code set}
     * its position within that index.
     */
    record SetRef(int slot, int set, Scope scope) {}

    /** One phrase of one set; {@code priority} is its position in {@link KeywordSet#phrases()}. */
    private record Entry(int set, int priority, KeywordSet.Phrase phrase) {}

    /** Where each set matched in one token list: token spans in order, and the first match's phrase. */
    static final class Hits {
        private int[] starts = new int[4];
        private int[] ends = new int[4];
        private int size;
        private String firstText;

        private void add(int start, int end, String text) {
            if (size == starts.length) {
                starts = Arrays.copyOf(starts, size * 2);
                ends = Arrays.copyOf(ends, size * 2);
            }
            if (size == 0) {
                firstText = text;
            }
            starts[size] = start;
            ends[size] = end;
            size++;
        }

        /** Token positions where a phrase of the set starts. */
        int size() {
            return size;
        }

        int start(int k) {
            return starts[k];
        }

        /** Exclusive end of the longest phrase at {@link #start}, or start + 1 for a prefix. */
        int end(int k) {
            return ends[k];
        }

        /** The keyword (as written) matched at the first position, or null. */
        String firstText() {
            return firstText;
        }
    }

    private static final Hits NO_HITS = new Hits();

    /** A small trie over characters; a node carries the prefixes that end there. */
    private static final class TrieNode {
        char[] keys = new char[0];
        TrieNode[] children = new TrieNode[0];
        Entry[] ending = new Entry[0];

        TrieNode child(char c) {
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] == c) {
                    return children[i];
                }
            }
            return null;
        }

        TrieNode addChild(char c) {
            TrieNode existing = child(c);
            if (existing != null) {
                return existing;
            }
            keys = Arrays.copyOf(keys, keys.length + 1);
            children = Arrays.copyOf(children, children.length + 1);
            keys[keys.length - 1] = c;
            TrieNode n = new TrieNode();
            children[children.length - 1] = n;
            return n;
        }
    }

    private final Scope scope;
    private final int sets;
    /** Exact first word → entries, ordered by set, then priority. */
    private final Map<String, Entry[]> byFirstWord;
    private final TrieNode prefixes;

    private PhraseIndex(Scope scope, List<KeywordSet> keywordSets) {
        this.scope = scope;
        this.sets = keywordSets.size();
        Map<String, List<Entry>> first = new HashMap<>();
        TrieNode root = new TrieNode();
        for (int s = 0; s < keywordSets.size(); s++) {
            List<KeywordSet.Phrase> phrases = keywordSets.get(s).phrases();
            for (int p = 0; p < phrases.size(); p++) {
                KeywordSet.Phrase ph = phrases.get(p);
                Entry e = new Entry(s, p, ph);
                if (ph.singleWordPrefix()) {
                    TrieNode n = root;
                    for (char c : ph.words()[0].toCharArray()) {
                        n = n.addChild(c);
                    }
                    n.ending = Arrays.copyOf(n.ending, n.ending.length + 1);
                    n.ending[n.ending.length - 1] = e;
                } else {
                    first.computeIfAbsent(ph.words()[0], w -> new ArrayList<>()).add(e);
                }
            }
        }
        Map<String, Entry[]> frozen = new HashMap<>();
        first.forEach((w, list) -> frozen.put(w, list.toArray(Entry[]::new)));
        this.byFirstWord = frozen;
        this.prefixes = root;
    }

    Scope scope() {
        return scope;
    }

    /** Hits of every set in {@code tokens}, indexed like the sets given to the builder. */
    Hits[] match(List<String> tokens) {
        Hits[] out = new Hits[sets];
        // Per set, the token position of its last exact hit, and the best prefix entry at this position.
        int[] exactAt = new int[sets];
        Arrays.fill(exactAt, -1);
        Entry[] bestPrefix = new Entry[sets];
        int[] touched = new int[sets];
        for (int i = 0; i < tokens.size(); i++) {
            String tok = tokens.get(i);
            Entry[] candidates = byFirstWord.get(tok);
            if (candidates != null) {
                int k = 0;
                while (k < candidates.length) {
                    int set = candidates[k].set();
                    String text = null;
                    int longest = 0;
                    for (; k < candidates.length && candidates[k].set() == set; k++) {
                        KeywordSet.Phrase ph = candidates[k].phrase();
                        if (matchesAt(tokens, i, ph)) {
                            if (text == null) {
                                text = ph.text();
                            }
                            longest = Math.max(longest, ph.words().length);
                        }
                    }
                    if (text != null) {
                        hits(out, set).add(i, i + longest, text);
                        exactAt[set] = i;
                    }
                }
            }
            // Single-word prefixes count only where the set has no exact hit at this token.
            int touchedCount = 0;
            TrieNode n = prefixes;
            for (int c = 0; c < tok.length() && n != null; c++) {
                n = n.child(tok.charAt(c));
                if (n == null) {
                    break;
                }
                for (Entry e : n.ending) {
                    if (exactAt[e.set()] == i) {
                        continue;
                    }
                    Entry best = bestPrefix[e.set()];
                    if (best == null) {
                        touched[touchedCount++] = e.set();
                    }
                    if (best == null || e.priority() < best.priority()) {
                        bestPrefix[e.set()] = e;
                    }
                }
            }
            for (int t = 0; t < touchedCount; t++) {
                int set = touched[t];
                hits(out, set).add(i, i + 1, bestPrefix[set].phrase().text());
                bestPrefix[set] = null;
            }
        }
        for (int s = 0; s < sets; s++) {
            if (out[s] == null) {
                out[s] = NO_HITS;
            }
        }
        return out;
    }

    private static Hits hits(Hits[] out, int set) {
        Hits h = out[set];
        if (h == null) {
            h = new Hits();
            out[set] = h;
        }
        return h;
    }

    private static boolean matchesAt(List<String> tokens, int i, KeywordSet.Phrase p) {
        String[] w = p.words();
        if (i + w.length > tokens.size()) {
            return false;
        }
        for (int k = 1; k < w.length; k++) {
            String tok = tokens.get(i + k);
            boolean last = k == w.length - 1;
            if (last && p.lastIsPrefix() ? !tok.startsWith(w[k]) : !tok.equals(w[k])) {
                return false;
            }
        }
        // The first word was the lookup key (one-word prefixes are matched in the trie instead).
        return true;
    }

    /** Collects the keyword sets of one scope; {@link #add} hands out their positions. */
    static final class Builder {
        private final Scope scope;
        private final List<KeywordSet> keywordSets = new ArrayList<>();

        Builder(Scope scope) {
            this.scope = scope;
        }

        int add(KeywordSet set) {
            keywordSets.add(set);
            return keywordSets.size() - 1;
        }

        PhraseIndex build() {
            return new PhraseIndex(scope, keywordSets);
        }
    }
}
