package dev.plumbline.plugin.judge.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Shape checks a rubric can ask about with {@code format: <name>}. */
enum TextFormat {
    /** A fenced code block (```). */
    CODE_BLOCK,
    /** At least two lines that start with -, * or •. */
    BULLET_LIST,
    /** At least two lines that start with "1." or "1)". */
    NUMBERED_LIST,
    /** A bullet or numbered list. */
    LIST,
    /** The whole response is one JSON object or array. */
    JSON,
    /** Contains an http(s) link. */
    URL,
    /** Contains a question mark (asks the user something). */
    QUESTION,
    /** Shouting: at least 20 letters and 70 % of them upper case. */
    ALL_CAPS,
    /** Degenerate output: one non-blank line appears three or more times. */
    REPEATED_LINES;

    private static final Pattern BULLET = Pattern.compile("^[ \\t]*[-*\\u2022][ \\t]+\\S", Pattern.MULTILINE);
    private static final Pattern NUMBERED = Pattern.compile("^[ \\t]*\\d{1,3}[.)][ \\t]+\\S", Pattern.MULTILINE);
    private static final Pattern LINK = Pattern.compile("\\bhttps?://\\S", Pattern.CASE_INSENSITIVE);
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    static TextFormat byId(String id) {
        for (TextFormat f : values()) {
            if (f.id().equals(id)) {
                return f;
            }
        }
        return null;
    }

    boolean test(String text) {
        return switch (this) {
            case CODE_BLOCK -> text.contains("```");
            case BULLET_LIST -> atLeast(BULLET.matcher(text), 2);
            case NUMBERED_LIST -> atLeast(NUMBERED.matcher(text), 2);
            case LIST -> BULLET_LIST.test(text) || NUMBERED_LIST.test(text);
            case JSON -> isJson(text.strip());
            case URL -> LINK.matcher(text).find();
            case QUESTION -> text.indexOf('?') >= 0;
            case ALL_CAPS -> shouting(text);
            case REPEATED_LINES -> repeatedLines(text);
        };
    }

    private static boolean atLeast(Matcher m, int n) {
        int c = 0;
        while (c < n && m.find()) {
            c++;
        }
        return c >= n;
    }

    private static boolean isJson(String s) {
        if (s.isEmpty() || (s.charAt(0) != '{' && s.charAt(0) != '[')) {
            return false;
        }
        try (JsonParser p = JSON_FACTORY.createParser(s)) {
            while (p.nextToken() != null) {
                // reading every token is the validation
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean shouting(String s) {
        int letters = 0;
        int upper = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isLetter(c)) {
                letters++;
                if (Character.isUpperCase(c)) {
                    upper++;
                }
            }
        }
        return letters >= 20 && upper >= 0.7 * letters;
    }

    private static boolean repeatedLines(String s) {
        Map<String, Integer> seen = new HashMap<>();
        for (String line : s.split("\n")) {
            String l = line.strip();
            if (!l.isEmpty() && seen.merge(l, 1, Integer::sum) >= 3) {
                return true;
            }
        }
        return false;
    }
}
