package dev.plumbline.plugin.judge.toxicity;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Undoes the usual ways of hiding a word from a filter, so that lexicon terms match what was
 * meant: Unicode compatibility forms (NFKC: full-width letters, ligatures), diacritics, Cyrillic
 * and Greek look-alikes, leetspeak ({@code 5h1t}), masking ({@code f*ck}) and letter spacing
 * ({@code f u c k}). Repeated letters are handled by {@link ToxicityLexicon} when it compares.
 */
final class ObfuscationNormalizer {

    /** A token after normalisation; {@code masked} tokens contain {@link #MASK} wildcards. */
    record Token(String text, boolean masked, String original) {}

    static final char MASK = '*';

    private ObfuscationNormalizer() {}

    /** NFKC, no diacritics, look-alikes folded to Latin, lower case. Used for terms and for text. */
    static String fold(String s) {
        String t = Normalizer.normalize(s, Normalizer.Form.NFKC);
        t = Normalizer.normalize(t, Normalizer.Form.NFD);
        StringBuilder sb = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (Character.getType(c) == Character.NON_SPACING_MARK || Character.getType(c) == Character.ENCLOSING_MARK
                    || Character.getType(c) == Character.COMBINING_SPACING_MARK) {
                continue;
            }
            sb.append(confusable(c));
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }

    /** Cyrillic and Greek letters that look like Latin ones (the common homoglyph substitutions). */
    static char confusable(char c) {
        return switch (c) {
            case 'а', 'А', 'α', 'Α' -> 'a';
            case 'в', 'В', 'β', 'Β' -> 'b';
            case 'с', 'С', 'ϲ' -> 'c';
            case 'ԁ' -> 'd';
            case 'е', 'Е', 'ё', 'Ё', 'ε', 'Ε' -> 'e';
            case 'һ', 'Н', 'Η' -> 'h';
            case 'і', 'І', 'ι', 'Ι', 'ӏ' -> 'i';
            case 'ј', 'Ј' -> 'j';
            case 'к', 'К', 'κ', 'Κ' -> 'k';
            case 'м', 'М', 'Μ' -> 'm';
            case 'п', 'ո', 'η', 'Ν' -> 'n';
            case 'о', 'О', 'ο', 'Ο', 'σ' -> 'o';
            case 'р', 'Р', 'ρ', 'Ρ' -> 'p';
            case 'ԛ' -> 'q';
            case 'ѕ', 'Ѕ' -> 's';
            case 'т', 'Т', 'τ', 'Τ' -> 't';
            case 'υ', 'ս' -> 'u';
            case 'ν', 'ѵ' -> 'v';
            case 'ԝ', 'ω' -> 'w';
            case 'х', 'Х', 'χ', 'Χ' -> 'x';
            case 'у', 'У', 'γ', 'Υ' -> 'y';
            case 'ᴢ', 'Ζ' -> 'z';
            default -> c;
        };
    }

    /** Leetspeak digits and symbols, applied only inside tokens that also contain a letter. */
    static char leet(char c) {
        return switch (c) {
            case '0' -> 'o';
            case '1', '!', '|' -> 'i';
            case '3' -> 'e';
            case '4', '@' -> 'a';
            case '5', '$' -> 's';
            case '7', '+' -> 't';
            case '8' -> 'b';
            case '9' -> 'g';
            default -> c;
        };
    }

    private static boolean isLeetSymbol(char c) {
        return c == '@' || c == '$' || c == '!' || c == '|' || c == '+';
    }

    private static boolean isMask(char c) {
        return c == '*' || c == '#' || c == '%' || c == '_';
    }

    private static boolean isTokenChar(char c) {
        return Character.isLetterOrDigit(c) || isLeetSymbol(c) || isMask(c);
    }

    /**
     * Tokens of the folded text, with leetspeak decoded and masks marked. Runs of three or more
     * single-letter tokens ("f u c k", "f.u.c.k") are also emitted joined.
     */
    static List<Token> tokens(String folded) {
        List<Token> out = new ArrayList<>();
        List<Token> singles = new ArrayList<>();
        int n = folded.length();
        int i = 0;
        int lastEnd = -1;
        while (i < n) {
            while (i < n && !isTokenChar(folded.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && isTokenChar(folded.charAt(i))) {
                i++;
            }
            if (i == start) {
                break;
            }
            String raw = folded.substring(start, i);
            Token t = decode(raw);
            boolean adjacent = lastEnd >= 0 && gapIsSeparator(folded, lastEnd, start);
            lastEnd = i;
            if (t == null) {
                flushSingles(singles, out);
                continue;
            }
            if (t.text().length() == 1 && !t.masked()) {
                if (!adjacent) {
                    flushSingles(singles, out);
                }
                singles.add(t);
            } else {
                flushSingles(singles, out);
            }
            out.add(t);
        }
        flushSingles(singles, out);
        return out;
    }

    /** Letters spelled out are separated by at most two spaces or dots, dashes and the like. */
    private static boolean gapIsSeparator(String s, int from, int to) {
        if (to - from > 3) {
            return false;
        }
        for (int k = from; k < to; k++) {
            char c = s.charAt(k);
            if (c == '\n') {
                return false;
            }
        }
        return true;
    }

    private static void flushSingles(List<Token> singles, List<Token> out) {
        if (singles.size() >= 3) {
            StringBuilder sb = new StringBuilder();
            StringBuilder orig = new StringBuilder();
            for (Token t : singles) {
                sb.append(t.text());
                orig.append(orig.length() == 0 ? "" : " ").append(t.original());
            }
            out.add(new Token(sb.toString(), false, orig.toString()));
        }
        singles.clear();
    }

    /** Decodes one raw token, or returns null when it has no letters (numbers, punctuation). */
    private static Token decode(String token) {
        // "idiot!" ends a sentence; only a '!' or '|' inside a word is a leetspeak 'i'.
        int a = 0;
        int b = token.length();
        while (a < b && (token.charAt(a) == '!' || token.charAt(a) == '|')) {
            a++;
        }
        while (b > a && (token.charAt(b - 1) == '!' || token.charAt(b - 1) == '|')) {
            b--;
        }
        String raw = token.substring(a, b);
        boolean hasLetter = false;
        for (int k = 0; k < raw.length(); k++) {
            if (Character.isLetter(raw.charAt(k))) {
                hasLetter = true;
                break;
            }
        }
        if (!hasLetter) {
            return null;
        }
        StringBuilder sb = new StringBuilder(raw.length());
        boolean masked = false;
        for (int k = 0; k < raw.length(); k++) {
            char c = raw.charAt(k);
            if (isMask(c)) {
                sb.append(MASK);
                masked = true;
            } else {
                sb.append(leet(c));
            }
        }
        return new Token(sb.toString(), masked, raw);
    }
}
