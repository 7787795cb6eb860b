package dev.plumbline.plugin.judge.toxicity;

import dev.plumbline.spi.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A list of offensive terms with severities, matched whole-word against obfuscated text.
 *
 * <p>File format: UTF-8, one term (word or phrase) per line, optionally followed by a TAB and a
 * severity 1 (mild), 2 (strong) or 3 (severe: slurs, threats); {@code #} starts a comment line.
 * Terms without a severity get {@link #DEFAULT_SEVERITY}, so plain lists such as LDNOOBW load.
 *
 * <p>Repeated letters ("fuuuck") match because terms and tokens are compared by their letter
 * skeleton ("fuck") and each token run must be at least as long as the term's ("as" does not
 * match "ass"). Immutable and thread-safe.
 */
public final class ToxicityLexicon {

    public static final int DEFAULT_SEVERITY = 2;
    static final int MAX_BYTES = 4 << 20;

    /** One matched term: what the text said and which term it was read as. */
    public record Match(String found, String term, int severity) {}

    private record Word(String skeleton, int[] runs) {}

    private record Term(String text, Word[] words, int severity) {}

    private final Map<String, List<Term>> byFirstSkeleton = new HashMap<>();
    /** Terms without letters or digits (emoji such as the middle finger): matched as substrings. */
    private final List<Term> symbolTerms = new ArrayList<>();
    private final Map<Integer, List<Term>> singleWordByLength = new HashMap<>();
    private final int size;
    private final String sha256;

    private ToxicityLexicon(List<Term> terms, String sha256) {
        for (Term t : terms) {
            if (t.words().length == 0) {
                symbolTerms.add(t);
                continue;
            }
            byFirstSkeleton.computeIfAbsent(t.words()[0].skeleton(), k -> new ArrayList<>()).add(t);
            if (t.words().length == 1) {
                singleWordByLength.computeIfAbsent(t.text().length(), k -> new ArrayList<>()).add(t);
            }
        }
        this.size = terms.size();
        this.sha256 = sha256;
    }

    /**
     * @param source file name for error messages ({@code file:line})
     * @throws InvalidInputException for invalid UTF-8, a bad severity or an empty list
     */
    public static ToxicityLexicon parse(byte[] bytes, String source) {
        if (bytes.length > MAX_BYTES) {
            throw new InvalidInputException(source, "lexicon is " + bytes.length + " bytes; the limit is " + MAX_BYTES);
        }
        String text = decodeUtf8(bytes, source);
        List<Term> terms = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            String term = line;
            int severity = DEFAULT_SEVERITY;
            int tab = line.indexOf('\t');
            if (tab >= 0) {
                term = line.substring(0, tab);
                String sev = line.substring(tab + 1).strip();
                if (!sev.matches("[123]")) {
                    throw new InvalidInputException(source + ":" + (i + 1),
                            "severity must be 1, 2 or 3 after the TAB, got '" + sev + "'");
                }
                severity = Integer.parseInt(sev);
            }
            List<Word> words = wordsOf(term);
            if (words.isEmpty() && ObfuscationNormalizer.fold(term.strip()).isBlank()) {
                throw new InvalidInputException(source + ":" + (i + 1), "empty term before the TAB");
            }
            terms.add(new Term(ObfuscationNormalizer.fold(term.strip()), words.toArray(Word[]::new), severity));
        }
        if (terms.isEmpty()) {
            throw new InvalidInputException(source, "the lexicon has no terms");
        }
        return new ToxicityLexicon(terms, Hashing.sha256(bytes));
    }

    /** Words of a term: folded, split on anything that is not a letter or digit, no leetspeak. */
    private static List<Word> wordsOf(String term) {
        List<Word> words = new ArrayList<>();
        String folded = ObfuscationNormalizer.fold(term.strip());
        int i = 0;
        while (i < folded.length()) {
            while (i < folded.length() && !Character.isLetterOrDigit(folded.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < folded.length() && Character.isLetterOrDigit(folded.charAt(i))) {
                i++;
            }
            if (i > start) {
                words.add(word(leetWord(folded.substring(start, i))));
            }
        }
        return words;
    }

    /** Text tokens are leet-decoded, so terms are too ("2g1c" must still meet its own spelling). */
    private static String leetWord(String w) {
        boolean letter = false;
        for (int k = 0; k < w.length(); k++) {
            letter |= Character.isLetter(w.charAt(k));
        }
        if (!letter) {
            return w;
        }
        StringBuilder sb = new StringBuilder(w.length());
        for (int k = 0; k < w.length(); k++) {
            sb.append(ObfuscationNormalizer.leet(w.charAt(k)));
        }
        return sb.toString();
    }

    private static Word word(String s) {
        StringBuilder skeleton = new StringBuilder();
        List<Integer> runs = new ArrayList<>();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (skeleton.length() > 0 && skeleton.charAt(skeleton.length() - 1) == c) {
                runs.set(runs.size() - 1, runs.get(runs.size() - 1) + 1);
            } else {
                skeleton.append(c);
                runs.add(1);
            }
        }
        return new Word(skeleton.toString(), runs.stream().mapToInt(Integer::intValue).toArray());
    }

    public int size() {
        return size;
    }

    /** SHA-256 of the lexicon file, reported in verdict provenance. */
    public String sha256() {
        return sha256;
    }

    /** Every term found in {@code text}, most severe first, each term once. */
    public List<Match> find(String text) {
        String folded = ObfuscationNormalizer.fold(text);
        List<ObfuscationNormalizer.Token> tokens = ObfuscationNormalizer.tokens(folded);
        Word[] words = new Word[tokens.size()];
        for (int i = 0; i < words.length; i++) {
            words[i] = tokens.get(i).masked() ? null : word(tokens.get(i).text());
        }
        Map<String, Match> found = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            ObfuscationNormalizer.Token tok = tokens.get(i);
            if (tok.masked()) {
                Term t = maskedMatch(tok.text());
                if (t != null) {
                    found.putIfAbsent(t.text(), new Match(tok.original(), t.text(), t.severity()));
                }
                continue;
            }
            List<Term> candidates = byFirstSkeleton.get(words[i].skeleton());
            if (candidates == null) {
                continue;
            }
            for (Term t : candidates) {
                if (matchesAt(words, i, t)) {
                    StringBuilder orig = new StringBuilder();
                    for (int k = 0; k < t.words().length; k++) {
                        orig.append(k == 0 ? "" : " ").append(tokens.get(i + k).original());
                    }
                    found.putIfAbsent(t.text(), new Match(orig.toString(), t.text(), t.severity()));
                }
            }
        }
        for (Term t : symbolTerms) {
            if (folded.contains(t.text())) {
                found.putIfAbsent(t.text(), new Match(t.text(), t.text(), t.severity()));
            }
        }
        List<Match> out = new ArrayList<>(found.values());
        out.sort((a, b) -> Integer.compare(b.severity(), a.severity()));
        return out;
    }

    private static boolean matchesAt(Word[] words, int i, Term t) {
        if (i + t.words().length > words.length) {
            return false;
        }
        for (int k = 0; k < t.words().length; k++) {
            Word w = words[i + k];
            Word tw = t.words()[k];
            if (w == null || !w.skeleton().equals(tw.skeleton())) {
                return false;
            }
            for (int r = 0; r < tw.runs().length; r++) {
                if (w.runs()[r] < tw.runs()[r]) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * A masked token ("f*ck", "sh#t") matches a single-word term of the same length whose letters
     * agree at every unmasked position. At least two letters must be visible and no more than half
     * masked, so "****" matches nothing; ties go to the most severe term.
     */
    private Term maskedMatch(String token) {
        int masks = 0;
        for (int k = 0; k < token.length(); k++) {
            if (token.charAt(k) == ObfuscationNormalizer.MASK) {
                masks++;
            }
        }
        int visible = token.length() - masks;
        if (visible < 2 || masks > visible) {
            return null;
        }
        Term best = null;
        for (Term t : singleWordByLength.getOrDefault(token.length(), List.of())) {
            boolean ok = true;
            for (int k = 0; k < token.length() && ok; k++) {
                char c = token.charAt(k);
                ok = c == ObfuscationNormalizer.MASK || c == t.text().charAt(k);
            }
            if (ok && (best == null || t.severity() > best.severity())) {
                best = t;
            }
        }
        return best;
    }

    static String decodeUtf8(byte[] bytes, String source) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new InvalidInputException(source + ":" + line, "not valid UTF-8 (byte offset " + in.position() + ")");
        }
        out.flip();
        String text = out.toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }
}
