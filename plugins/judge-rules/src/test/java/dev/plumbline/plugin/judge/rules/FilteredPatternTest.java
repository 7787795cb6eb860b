package dev.plumbline.plugin.judge.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The start filter may only make matching faster, never different: every match sequence is
 * compared with plain {@code Matcher.find()} on random and real text.
 */
class FilteredPatternTest {

    /** Tricky constructs: anchors, boundaries, look-around, optional openings, classes, non-ASCII. */
    static final List<String> TRICKY = List.of(
            "^\\W*sorry\\b", "^\\W*(?:i'm|i am) (?:so )?sorry\\b(?! to hear)", "(?<=[.!?])\\s+|\\n+",
            "\\d{3}[-. ]\\d{3}[-. ]\\d{4}", "www\\.|https?://", "\\?", "a?b", "\\bfoo|bar\\b", "(?:\\b|^)x",
            "[^a-z]x", "\\Bx", "(?=a)\\w+", "x*y", "(?i)abc", "é+", "\uD83D\uDE00?x", "[\\u00e9a]b", "\\u00e9",
            "\\s*\\w", "(?:a|b)*c", "\\b\\W", "\\b(?:i|we) (?:can't|cannot)\\b", "[.!?]\\s+[A-Z]", "\\w+@\\w+",
            "(a+)+$", "^", "$x", "\\bK", "[k]", "(?<![a-z])s", "\\Aab", "x{0,2}y", "x{2}", "[-a]", "[a-]", "[\\]a]",
            "\\.\\.\\.", "\\t", "(?>ab|a)c", "(?<w>\\w)\\k<w>", "\\p{Lu}", "\\x41", "[^\\n]{3}", "ſ", "İ", "\\bı");

    static final String[] PIECES = {"a", "b", "c", "x", "y", "s", "k", "K", "i", "I", "we", "foo", "bar", "sorry",
        "I'm", "i am", " ", "  ", "\n", "\r\n", "\r", "\u2028", "\u0085", ".", "!", "?", ",", "-", "_", "1", "555",
        "é", "É", "\u0301", "İ", "ı", "ſ", "\u212A", "\uD83D\uDE00", "\uD83D", "www.", "https://", "can't", "ab", "aab",
        "\t", "ü", "ß", "ab@cd", "so ", "to hear"};

    @Test
    void sameMatchesAsMatcherFindOnRandomText() {
        Random rnd = new Random(42);
        List<String> texts = new ArrayList<>();
        for (int t = 0; t < 400; t++) {
            StringBuilder sb = new StringBuilder();
            int n = rnd.nextInt(40);
            for (int k = 0; k < n; k++) {
                sb.append(PIECES[rnd.nextInt(PIECES.length)]);
            }
            texts.add(sb.toString());
        }
        int[] flagSets = {0, Pattern.MULTILINE, Pattern.MULTILINE | Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE,
            Pattern.CASE_INSENSITIVE};
        for (String regex : TRICKY) {
            for (int flags : flagSets) {
                FilteredPattern fp = FilteredPattern.compile(regex, flags);
                for (String text : texts) {
                    assertThat(matches(fp, text)).as("/%s/ flags %d on %s", regex, flags, escape(text))
                            .isEqualTo(reference(fp.pattern(), text));
                }
            }
        }
    }

    @Test
    void sameMatchesForBuiltInRubricAndDetectorPatternsOnRealText() throws Exception {
        List<String> regexes = new ArrayList<>(TRICKY);
        for (String rubric : RubricRepository.BUILT_IN) {
            regexes.addAll(patternsOf(rubric));
        }
        List<String> texts = new ArrayList<>();
        for (String rubric : RubricRepository.BUILT_IN) {
            texts.add(resource(rubric));
        }
        texts.add("I'm sorry, but I can't help with that. However, here are some tips:\n1. one\n2. two\n"
                + "Call 555-123-4567 or visit https://example.org. As an AI, I cannot provide that. "
                + "It's not appropriate. I’m unable to assist; we can't do it? No, that's illegal and dangerous.");
        List<Pattern> all = new ArrayList<>(detectorPatterns());
        for (String regex : regexes) {
            for (int flags : new int[] {Pattern.MULTILINE, Pattern.MULTILINE | Pattern.CASE_INSENSITIVE
                    | Pattern.UNICODE_CASE}) {
                all.add(Pattern.compile(regex, flags));
            }
        }
        for (Pattern pattern : all) {
            FilteredPattern fp = FilteredPattern.compile(pattern.pattern(), pattern.flags());
            for (String text : texts) {
                for (String t : List.of(text, text.toLowerCase(java.util.Locale.ROOT))) {
                    assertThat(matches(fp, t)).as("/%s/ flags %d", pattern.pattern(), pattern.flags())
                            .isEqualTo(reference(pattern, t));
                }
            }
        }
    }

    @Test
    void filterAppliesToTheCommonRubricShapesAndNotToWhatItCannotModel() {
        assertThat(FilteredPattern.compile("\\b(?:i|we) (?:can't|cannot) (?:help|assist)\\b", 0).filtered()).isTrue();
        assertThat(FilteredPattern.compile("^\\W*sorry", 0).filtered()).isTrue();
        assertThat(FilteredPattern.compile("\\d{3}[-. ]\\d{3}", Pattern.MULTILINE).filtered()).isTrue();
        assertThat(FilteredPattern.compile("\\?", 0).filtered()).isTrue();
        // Empty matches, inline flags, back-references, Unicode properties and "match anything" openings.
        assertThat(FilteredPattern.compile("a*", 0).filtered()).isFalse();
        assertThat(FilteredPattern.compile("(?i)abc", 0).filtered()).isFalse();
        assertThat(FilteredPattern.compile("(\\w)\\1", 0).filtered()).isFalse();
        assertThat(FilteredPattern.compile("\\p{L}x", 0).filtered()).isFalse();
        assertThat(FilteredPattern.compile(".x", 0).filtered()).isFalse();
        assertThat(FilteredPattern.compile("abc", Pattern.COMMENTS).filtered()).isFalse();
    }

    @Test
    void startsAreNarrowedByBoundariesAndAnchors() {
        StartFilter word = StartFilter.analyse("\\bis\\b", 0);
        assertThat(word.mayStartAt("this is", 2)).as("'is' inside 'this'").isFalse();
        assertThat(word.mayStartAt("this is", 5)).isTrue();
        StartFilter line = StartFilter.analyse("^\\s*-", Pattern.MULTILINE);
        assertThat(line.mayStartAt("a -\n- b", 2)).isFalse();
        assertThat(line.mayStartAt("a -\n- b", 4)).isTrue();
        StartFilter input = StartFilter.analyse("^no", 0);
        assertThat(input.mayStartAt("no\nno", 0)).isTrue();
        assertThat(input.mayStartAt("no\nno", 3)).isFalse();
    }

    private static List<String> matches(FilteredPattern fp, String text) {
        List<String> out = new ArrayList<>();
        FilteredPattern.Finder f = fp.finder(text);
        while (f.find()) {
            out.add(f.start() + "-" + f.end());
        }
        return out;
    }

    private static List<String> reference(Pattern p, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.start() + "-" + m.end());
        }
        return out;
    }

    /** The refusal detector's own patterns, with their flags. */
    private static List<Pattern> detectorPatterns() throws IllegalAccessException {
        List<Pattern> out = new ArrayList<>();
        for (Field f : RefusalDetector.class.getDeclaredFields()) {
            if (f.getType() == FilteredPattern.class && Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                out.add(((FilteredPattern) f.get(null)).pattern());
            }
        }
        assertThat(out).hasSizeGreaterThan(5);
        return out;
    }

    private static List<String> patternsOf(String rubric) {
        List<String> out = new ArrayList<>();
        Rubric r = new RubricRepository().resolve(rubric, "rubric");
        for (Proposition p : r.propositions()) {
            if (p instanceof Proposition.Patterns ps) {
                ps.patterns().forEach(fp -> out.add(fp.pattern().pattern()));
            }
        }
        assertThat(out).as("patterns of %s", rubric).isNotEmpty();
        return out;
    }

    private static String resource(String rubric) throws IOException {
        try (InputStream in = FilteredPatternTest.class.getClassLoader()
                .getResourceAsStream(RubricRepository.RESOURCE_DIR + rubric + ".yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c < 32 || c > 126 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }
}
