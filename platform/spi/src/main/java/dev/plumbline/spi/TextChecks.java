package dev.plumbline.spi;

import java.util.List;

/**
 * The input rules every judge shares, kept in one place: the size limit of prompts, responses and
 * references, and lone UTF-16 surrogates. The engine's {@code GuardedJudge} applies them at the
 * edge and rejects bad text with its field path ({@link #checkText}); judge plugins apply them again
 * for in-process callers ({@link #checkSamples}) and repair surrogates instead of failing
 * ({@link #wellFormed}), so a judge never crashes on what invalid UTF-8 or a cut emoji leaves behind.
 */
public final class TextChecks {

    /** Longest prompt, response or reference accepted: 1 MiB of UTF-8. */
    public static final int MAX_TEXT_BYTES = 1 << 20;

    private TextChecks() {}

    /**
     * A judge request as a plugin receives it: the list and every sample present, each with a
     * response, and no text over {@link #MAX_TEXT_BYTES}. Rejects the whole request with the field
     * path of the first problem ({@code samples[i].response}, ...). Blank responses pass: the judge
     * answers them with a failed verdict.
     */
    public static void checkSamples(List<JudgeSample> samples) {
        if (samples == null) {
            throw new InvalidInputException("samples", "is missing");
        }
        for (int i = 0; i < samples.size(); i++) {
            checkSample(samples.get(i), "samples[" + i + "]");
        }
    }

    /** One sample; {@code field} is its path, e.g. {@code samples[3]}. */
    public static void checkSample(JudgeSample s, String field) {
        if (s == null) {
            throw new InvalidInputException(field, "is missing");
        }
        if (s.response() == null) {
            throw new InvalidInputException(field + ".response", "is missing");
        }
        checkLength(s.response(), field + ".response");
        checkLength(s.prompt(), field + ".prompt");
        checkLength(s.reference(), field + ".reference");
        for (int t = 0; t < s.history().size(); t++) {
            if (s.history().get(t) == null || s.history().get(t).content() == null) {
                throw new InvalidInputException(field + ".history[" + t + "]", "is missing");
            }
            checkLength(s.history().get(t).content(), field + ".history[" + t + "].content");
        }
    }

    /**
     * The edge's check of one text: at most {@link #MAX_TEXT_BYTES} and well-formed UTF-16. Null
     * passes (an absent optional field).
     */
    public static void checkText(String text, String field) {
        checkLength(text, field);
        if (text != null) {
            int at = loneSurrogateIndex(text);
            if (at >= 0) {
                throw new InvalidInputException(field, "is not valid Unicode (lone surrogate at index " + at + ")");
            }
        }
    }

    /** At most {@link #MAX_TEXT_BYTES} of UTF-8; null passes. */
    public static void checkLength(String text, String field) {
        // A UTF-16 unit never takes more than 3 bytes of UTF-8, so most texts need no counting.
        if (text == null || text.length() * 3L <= MAX_TEXT_BYTES) {
            return;
        }
        long bytes = utf8Length(text);
        if (bytes > MAX_TEXT_BYTES) {
            throw new InvalidInputException(field, "is " + bytes + " bytes of UTF-8; the limit is " + MAX_TEXT_BYTES);
        }
    }

    /** Bytes of {@code text} in UTF-8, a lone surrogate counted as the 3 bytes of U+FFFD that replace it. */
    public static long utf8Length(CharSequence text) {
        long bytes = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Index of the first unpaired surrogate, or -1 when the text is well-formed UTF-16. */
    public static int loneSurrogateIndex(CharSequence text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else {
                return i;
            }
        }
        return -1;
    }

    /**
     * Replaces unpaired surrogates with U+FFFD so that matching and normalisation see well-formed
     * text. Returns {@code text} itself when it is already well-formed, which is the common case.
     */
    public static String wellFormed(String text) {
        int first = loneSurrogateIndex(text);
        if (first < 0) {
            return text;
        }
        int n = text.length();
        StringBuilder sb = new StringBuilder(n).append(text, 0, first);
        for (int i = first; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                sb.append(c).append(text.charAt(i + 1));
                i++;
            } else {
                sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return sb.toString();
    }
}
