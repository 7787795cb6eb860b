package dev.plumbline.plugin.judge.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads verdicts out of judge text. Where FastChat takes the first match, this takes the last:
 * a judge that quotes something before concluding gives its own verdict last.
 */
final class VerdictParser {

    private static final Pattern RATING = Pattern.compile("\\[\\[(\\d+\\.?\\d*)\\]\\]");
    private static final Pattern RATING_FALLBACK = Pattern.compile("\\[(\\d+\\.?\\d*)\\]");
    private static final Pattern CHOICE = Pattern.compile("\\[\\[([ABC])\\]\\]");
    private static final Pattern REFUSAL = Pattern.compile(
            "(?i)\\b(I'?m sorry|I am sorry|I apologi[sz]e|I can(?:'|no)?t (?:assist|help|comply|evaluate)|"
                    + "I (?:will|must) not|as an AI)\\b");
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Outcome { PARSED, UNPARSEABLE, REFUSED }

    record Rating(Outcome outcome, double value, String explanation) {}

    record Choice(Outcome outcome, char verdict, String explanation) {}

    private VerdictParser() {}

    static Rating rating(String text, boolean json) {
        text = text.replace(JudgePrompts.SINGLE_FORMAT, "");
        if (json) {
            JsonNode node = jsonObject(text);
            if (node != null && node.path("rating").isNumber()) {
                return checkRange(node.path("rating").asDouble(), node.path("explanation").asText(""), text);
            }
            return failed(text, Rating.class);
        }
        OptionalDouble value = last(RATING, text);
        if (value.isEmpty()) {
            value = last(RATING_FALLBACK, text);
        }
        return value.isPresent() ? checkRange(value.getAsDouble(), text, text) : failed(text, Rating.class);
    }

    static Choice choice(String text, boolean json) {
        text = text.replace(JudgePrompts.PAIR_FORMAT, "");
        if (json) {
            JsonNode node = jsonObject(text);
            String v = node == null ? "" : node.path("verdict").asText("");
            if (v.length() == 1 && "ABC".contains(v)) {
                return new Choice(Outcome.PARSED, v.charAt(0), node.path("explanation").asText(""));
            }
            return failed(text, Choice.class);
        }
        Matcher m = CHOICE.matcher(text);
        char last = 0;
        while (m.find()) {
            last = m.group(1).charAt(0);
        }
        return last != 0 ? new Choice(Outcome.PARSED, last, text) : failed(text, Choice.class);
    }

    private static Rating checkRange(double v, String explanation, String raw) {
        return v >= 1 && v <= 10 ? new Rating(Outcome.PARSED, v, explanation)
                : new Rating(Outcome.UNPARSEABLE, Double.NaN, "rating " + v + " is outside 1-10: " + raw);
    }

    @SuppressWarnings("unchecked")
    private static <T> T failed(String text, Class<T> type) {
        Outcome o = REFUSAL.matcher(text).find() ? Outcome.REFUSED : Outcome.UNPARSEABLE;
        return type == Rating.class ? (T) new Rating(o, Double.NaN, text) : (T) new Choice(o, (char) 0, text);
    }

    private static OptionalDouble last(Pattern p, String text) {
        Matcher m = p.matcher(text);
        OptionalDouble found = OptionalDouble.empty();
        while (m.find()) {
            try {
                found = OptionalDouble.of(Double.parseDouble(m.group(1)));
            } catch (NumberFormatException ignored) {
                // "1.2.3"-like junk: keep looking
            }
        }
        return found;
    }

    /** The JSON object in the text, tolerating code fences or prose around it. */
    private static JsonNode jsonObject(String text) {
        int start = text.indexOf('{');
        int end = text.lastIndexOf('}');
        if (start < 0 || end <= start) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(text.substring(start, end + 1));
            return node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }
}
