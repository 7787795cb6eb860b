package dev.plumbline.plugin.judge.rules;

import java.util.regex.Pattern;

/**
 * Where a match of a regex can start: four character sets, one per positional condition. A
 * position {@code p} is a candidate when {@code text[p]} is in the "anywhere" set, or in the
 * "word start" set and {@code p} can be a word boundary, or in the "line start" set and {@code p}
 * starts a line, or in the "input start" set and {@code p} is 0.
 *
 * <p>{@link #analyse} reads the regex source with a small parser for the common syntax (literals,
 * escapes, classes, groups, alternation, quantifiers, anchors, look-around). Every rule errs on the
 * side of more candidates: an unknown construct, an inline flag or a pattern that can match the
 * empty string gives null (no filter), so the filter can make matching faster but never different.
 */
final class StartFilter {

    private static final byte ANYWHERE = 1;
    private static final byte WORD_START = 2;
    private static final byte LINE_START = 4;
    private static final byte INPUT_START = 8;

    /** Per ASCII char: which of the four sets hold it (bits above). */
    private final byte[] ascii = new byte[128];
    /** The same bits for every non-ASCII char (the sets do not tell non-ASCII chars apart). */
    private final byte nonAscii;
    /** Only position 0 can start a match. */
    private final boolean inputStartOnly;

    private StartFilter(CharSet anywhere, CharSet wordStart, CharSet lineStart, CharSet inputStart) {
        for (char c = 0; c < 128; c++) {
            ascii[c] = (byte) ((anywhere.containsAscii(c) ? ANYWHERE : 0) | (wordStart.containsAscii(c) ? WORD_START : 0)
                    | (lineStart.containsAscii(c) ? LINE_START : 0) | (inputStart.containsAscii(c) ? INPUT_START : 0));
        }
        // Word starts are ASCII by construction.
        nonAscii = (byte) ((anywhere.nonAscii() ? ANYWHERE : 0) | (lineStart.nonAscii() ? LINE_START : 0)
                | (inputStart.nonAscii() ? INPUT_START : 0));
        CharSet notInput = anywhere.union(wordStart).union(lineStart);
        inputStartOnly = notInput.lo() == 0 && notInput.hi() == 0 && !notInput.nonAscii();
    }

    boolean mayStartAt(CharSequence s, int p) {
        char c = s.charAt(p);
        int k = c < 128 ? ascii[c] : nonAscii;
        if (k == 0) {
            return false;
        }
        if ((k & ANYWHERE) != 0) {
            return true;
        }
        // Position 0 is a word boundary, a line start and the input start all at once.
        char before = p == 0 ? '\n' : s.charAt(p - 1);
        return ((k & WORD_START) != 0 && !isAsciiWord(before))
                || ((k & LINE_START) != 0 && isLineTerminator(before))
                || ((k & INPUT_START) != 0 && p == 0);
    }

    /** The first candidate position in {@code [from, s.length())}, or {@code s.length()}. */
    int next(CharSequence s, int from) {
        int n = s.length();
        if (inputStartOnly) {
            return from == 0 && n > 0 && mayStartAt(s, 0) ? 0 : n;
        }
        for (int p = from; p < n; p++) {
            char c = s.charAt(p);
            if ((c < 128 ? ascii[c] : nonAscii) != 0 && mayStartAt(s, p)) {
                return p;
            }
        }
        return n;
    }

    /**
     * Java's {@code \b} (any JDK) treats an ASCII letter, digit or underscore as a word character;
     * a non-ASCII neighbour is left to the regex (it may count as a letter or a combining mark).
     */
    private static boolean isAsciiWord(char c) {
        return c < 128 && (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    }

    /** What Java's MULTILINE {@code ^} accepts before a line start (a superset: \r\n is not split). */
    private static boolean isLineTerminator(char c) {
        return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
    }

    /** @return the filter, or null when the pattern must be tried at every position */
    static StartFilter analyse(String regex, int flags) {
        int understood = Pattern.MULTILINE | Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL
                | Pattern.UNIX_LINES;
        if ((flags & ~understood) != 0) {
            return null;
        }
        try {
            Parser parser = new Parser(regex, (flags & Pattern.MULTILINE) != 0);
            Summary s = parser.alternation();
            if (parser.pos != regex.length() || s.empty != Empty.NONE) {
                return null;
            }
            Starts st = s.starts;
            if ((flags & Pattern.CASE_INSENSITIVE) != 0) {
                st = st.caseFolded();
            }
            if (st.anywhere.isAll()) {
                return null;
            }
            return new StartFilter(st.anywhere, st.wordStart, st.lineStart, st.inputStart);
        } catch (Unsupported e) {
            return null;
        }
    }

    /** A set of chars: exact for ASCII, one flag for everything else. Immutable. */
    record CharSet(long lo, long hi, boolean nonAscii) {
        static final CharSet NONE = new CharSet(0, 0, false);
        static final CharSet ALL = new CharSet(-1L, -1L, true);
        static final CharSet ASCII_WORD = range('a', 'z').union(range('A', 'Z')).union(range('0', '9')).union(of('_'));
        static final CharSet DIGIT = range('0', '9');
        static final CharSet SPACE = of(' ').union(of('\t')).union(of('\n')).union(of('\u000B')).union(of('\f'))
                .union(of('\r'));

        static CharSet of(int c) {
            if (c >= 128) {
                return new CharSet(0, 0, true);
            }
            return c < 64 ? new CharSet(1L << c, 0, false) : new CharSet(0, 1L << (c - 64), false);
        }

        static CharSet range(int from, int to) {
            CharSet s = NONE;
            for (int c = from; c <= Math.min(to, 127); c++) {
                s = s.union(of(c));
            }
            return to >= 128 ? s.union(new CharSet(0, 0, true)) : s;
        }

        CharSet union(CharSet o) {
            return new CharSet(lo | o.lo, hi | o.hi, nonAscii || o.nonAscii);
        }

        CharSet minus(CharSet o) {
            return new CharSet(lo & ~o.lo, hi & ~o.hi, nonAscii && !o.nonAscii);
        }

        CharSet intersect(CharSet o) {
            return new CharSet(lo & o.lo, hi & o.hi, nonAscii && o.nonAscii);
        }

        /** Complement; non-ASCII stays in, since the ASCII-plus-flag form cannot say which were excluded. */
        CharSet complement() {
            return new CharSet(~lo, ~hi, true);
        }

        boolean containsAscii(char c) {
            return c < 64 ? (lo & (1L << c)) != 0 : (hi & (1L << (c - 64))) != 0;
        }

        boolean isAll() {
            return lo == -1L && hi == -1L && nonAscii;
        }

        /**
         * Adds the other case of every ASCII letter, and all non-ASCII chars: with UNICODE_CASE,
         * 'k' and 's' also match the Kelvin sign and the long s. A non-ASCII member may match an
         * ASCII letter (U+212A matches 'k'), so it brings in every ASCII letter.
         */
        CharSet caseFolded() {
            CharSet s = nonAscii ? this.union(range('a', 'z')) : this;
            for (char c = 'a'; c <= 'z'; c++) {
                char u = Character.toUpperCase(c);
                if (s.containsAscii(c) || s.containsAscii(u)) {
                    s = s.union(of(c)).union(of(u));
                }
            }
            return new CharSet(s.lo, s.hi, true);
        }
    }

    /** The empty string can match: never, anywhere, or only at a word boundary, line start or input start. */
    private enum Empty {
        NONE, FREE, WORD, LINE, INPUT;

        /** Both conditions hold; keeping the stronger one is enough for a superset. */
        Empty and(Empty o) {
            if (this == NONE || o == NONE) {
                return NONE;
            }
            return ordinal() >= o.ordinal() ? this : o;
        }

        /** Either condition; when they differ, "anywhere" covers both. */
        Empty or(Empty o) {
            if (this == NONE) {
                return o;
            }
            if (o == NONE || o == this) {
                return this;
            }
            return FREE;
        }
    }

    private record Starts(CharSet anywhere, CharSet wordStart, CharSet lineStart, CharSet inputStart) {
        static final Starts NONE = new Starts(CharSet.NONE, CharSet.NONE, CharSet.NONE, CharSet.NONE);

        static Starts anywhere(CharSet s) {
            return new Starts(s, CharSet.NONE, CharSet.NONE, CharSet.NONE);
        }

        Starts union(Starts o) {
            return new Starts(anywhere.union(o.anywhere), wordStart.union(o.wordStart), lineStart.union(o.lineStart),
                    inputStart.union(o.inputStart));
        }

        /** These starts, when a zero-width condition must also hold at the start position. */
        Starts restrictedTo(Empty condition) {
            return switch (condition) {
                case NONE -> NONE;
                case FREE -> this;
                // A word character after \b needs a non-word character (or nothing) before it;
                // a non-word character after \b is kept without a positional condition.
                case WORD -> new Starts(anywhere.minus(CharSet.ASCII_WORD),
                        wordStart.union(anywhere.intersect(CharSet.ASCII_WORD)), lineStart, inputStart);
                case LINE -> new Starts(CharSet.NONE, CharSet.NONE, lineStart.union(anywhere).union(wordStart),
                        inputStart);
                case INPUT -> new Starts(CharSet.NONE, CharSet.NONE, CharSet.NONE,
                        inputStart.union(anywhere).union(wordStart).union(lineStart));
            };
        }

        Starts caseFolded() {
            // Folding never turns a word character into a non-word one, so the word set stays ASCII-only.
            CharSet w = wordStart.caseFolded();
            return new Starts(anywhere.caseFolded(), new CharSet(w.lo(), w.hi(), false), lineStart.caseFolded(),
                    inputStart.caseFolded());
        }
    }

    /** @param empty whether (and where) the node can match without consuming a character */
    private record Summary(Starts starts, Empty empty) {
        static Summary consuming(CharSet s) {
            return new Summary(Starts.anywhere(s), Empty.NONE);
        }

        static Summary zeroWidth(Empty where) {
            return new Summary(Starts.NONE, where);
        }

        Summary then(Summary next) {
            return new Summary(starts.union(next.starts.restrictedTo(empty)), empty.and(next.empty));
        }

        Summary or(Summary o) {
            return new Summary(starts.union(o.starts), empty.or(o.empty));
        }

        /** Zero repetitions: the empty string matches anywhere. */
        Summary optional() {
            return new Summary(starts, Empty.FREE);
        }
    }

    private static final class Unsupported extends RuntimeException {
        Unsupported() {
            super(null, null, false, false);
        }
    }

    /** Recursive-descent reader of the regex syntax that {@code Pattern.compile} already accepted. */
    private static final class Parser {
        private final String re;
        private final boolean multiline;
        private int pos;

        Parser(String re, boolean multiline) {
            this.re = re;
            this.multiline = multiline;
        }

        Summary alternation() {
            Summary s = sequence();
            while (pos < re.length() && re.charAt(pos) == '|') {
                pos++;
                s = s.or(sequence());
            }
            return s;
        }

        private Summary sequence() {
            Summary s = Summary.zeroWidth(Empty.FREE);
            while (pos < re.length() && re.charAt(pos) != '|' && re.charAt(pos) != ')') {
                s = s.then(quantified(atom()));
            }
            return s;
        }

        private Summary quantified(Summary atom) {
            if (pos >= re.length()) {
                return atom;
            }
            char c = re.charAt(pos);
            Summary out;
            if (c == '?' || c == '*') {
                pos++;
                out = atom.optional();
            } else if (c == '+') {
                pos++;
                out = atom;
            } else if (c == '{') {
                int close = re.indexOf('}', pos);
                if (close < 0) {
                    throw new Unsupported();
                }
                String body = re.substring(pos + 1, close);
                if (!body.matches("\\d+(,\\d*)?")) {
                    throw new Unsupported();
                }
                int min = Integer.parseInt(body.split(",", -1)[0]);
                pos = close + 1;
                out = min == 0 ? atom.optional() : atom;
            } else {
                return atom;
            }
            // Lazy and possessive variants have the same possible starts.
            if (pos < re.length() && (re.charAt(pos) == '?' || re.charAt(pos) == '+')) {
                pos++;
            }
            return out;
        }

        private Summary atom() {
            char c = re.charAt(pos);
            switch (c) {
                case '(':
                    return group();
                case '[':
                    return Summary.consuming(charClass());
                case '.':
                    pos++;
                    return Summary.consuming(CharSet.ALL);
                case '^':
                    pos++;
                    return Summary.zeroWidth(multiline ? Empty.LINE : Empty.INPUT);
                case '$':
                    pos++;
                    return Summary.zeroWidth(Empty.FREE);
                case '\\':
                    return escape();
                case '*':
                case '+':
                case '?':
                case '{':
                    throw new Unsupported();
                default:
                    // A surrogate pair is one atom: a quantifier after it applies to both halves.
                    int cp = re.codePointAt(pos);
                    pos += Character.charCount(cp);
                    return Summary.consuming(CharSet.of(cp));
            }
        }

        private Summary group() {
            pos++; // '('
            boolean zeroWidth = false;
            if (re.startsWith("?:", pos) || re.startsWith("?>", pos)) {
                pos += 2;
            } else if (re.startsWith("?=", pos) || re.startsWith("?!", pos)) {
                pos += 2;
                zeroWidth = true;
            } else if (re.startsWith("?<=", pos) || re.startsWith("?<!", pos)) {
                pos += 3;
                zeroWidth = true;
            } else if (re.startsWith("?<", pos)) {
                int close = re.indexOf('>', pos);
                if (close < 0) {
                    throw new Unsupported();
                }
                pos = close + 1;
            } else if (re.startsWith("?", pos)) {
                // Inline flags such as (?i) change what later characters match.
                throw new Unsupported();
            }
            Summary inner = alternation();
            if (pos >= re.length() || re.charAt(pos) != ')') {
                throw new Unsupported();
            }
            pos++;
            // Look-around constrains the start too, but ignoring it only adds candidates.
            return zeroWidth ? Summary.zeroWidth(Empty.FREE) : inner;
        }

        private Summary escape() {
            pos++; // '\'
            if (pos >= re.length()) {
                throw new Unsupported();
            }
            char c = re.charAt(pos);
            switch (c) {
                case 'b':
                    pos++;
                    return Summary.zeroWidth(Empty.WORD);
                case 'B':
                case 'z':
                case 'Z':
                    pos++;
                    return Summary.zeroWidth(Empty.FREE);
                case 'A':
                    pos++;
                    return Summary.zeroWidth(Empty.INPUT);
                default:
                    if ("dDwWsS".indexOf(c) >= 0) {
                        pos++;
                        return Summary.consuming(classEscape(c));
                    }
                    pos--;
                    return Summary.consuming(CharSet.of(singleEscape()));
            }
        }

        private static CharSet classEscape(char c) {
            return switch (c) {
                case 'd' -> CharSet.DIGIT;
                case 'D' -> CharSet.DIGIT.complement();
                case 'w' -> CharSet.ASCII_WORD;
                case 'W' -> CharSet.ASCII_WORD.complement();
                case 's' -> CharSet.SPACE;
                case 'S' -> CharSet.SPACE.complement();
                default -> throw new Unsupported();
            };
        }

        /** The one char an escape stands for; {@code pos} is at the backslash. */
        private int singleEscape() {
            pos++; // '\'
            if (pos >= re.length()) {
                throw new Unsupported();
            }
            char c = re.charAt(pos++);
            switch (c) {
                case 't':
                    return '\t';
                case 'n':
                    return '\n';
                case 'r':
                    return '\r';
                case 'f':
                    return '\f';
                case 'a':
                    return '\u0007';
                case 'e':
                    return '\u001B';
                case 'x':
                    return hex(2);
                case 'u':
                    return hex(4);
                default:
                    // An escaped symbol stands for itself; escaped letters and digits we do not
                    // model (\p{..}, \h, \R, back-references, \Q..\E, octal) leave the pattern unfiltered.
                    if (c < 128 && !Character.isLetterOrDigit(c)) {
                        return c;
                    }
                    throw new Unsupported();
            }
        }

        private int hex(int digits) {
            if (pos + digits > re.length()) {
                throw new Unsupported();
            }
            String h = re.substring(pos, pos + digits);
            for (int i = 0; i < digits; i++) {
                if (Character.digit(h.charAt(i), 16) < 0) {
                    throw new Unsupported();
                }
            }
            pos += digits;
            return Integer.parseInt(h, 16);
        }

        /** A bracket class; {@code pos} is at '['. */
        private CharSet charClass() {
            pos++; // '['
            boolean negated = false;
            if (pos < re.length() && re.charAt(pos) == '^') {
                negated = true;
                pos++;
            }
            CharSet set = CharSet.NONE;
            boolean first = true;
            while (true) {
                if (pos >= re.length()) {
                    throw new Unsupported();
                }
                char c = re.charAt(pos);
                if (c == ']' && !first) {
                    pos++;
                    break;
                }
                first = false;
                if (c == '[' || re.startsWith("&&", pos)) {
                    throw new Unsupported();
                }
                if (c == '\\' && pos + 1 < re.length() && "dDwWsS".indexOf(re.charAt(pos + 1)) >= 0) {
                    set = set.union(classEscape(re.charAt(pos + 1)));
                    pos += 2;
                    continue;
                }
                int low = classChar();
                if (pos + 1 < re.length() && re.charAt(pos) == '-' && re.charAt(pos + 1) != ']') {
                    pos++;
                    int high = classChar();
                    set = set.union(CharSet.range(low, high));
                } else {
                    set = set.union(CharSet.of(low));
                }
            }
            return negated ? set.complement() : set;
        }

        /** One char inside a class (a literal or a single-char escape). */
        private int classChar() {
            char c = re.charAt(pos);
            if (c == '\\') {
                return singleEscape();
            }
            if (c == '[') {
                throw new Unsupported();
            }
            int cp = re.codePointAt(pos);
            pos += Character.charCount(cp);
            return cp;
        }
    }
}
