package dev.plumbline.plugin.judge.classifier;

import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.JudgeSample;
import java.util.List;

/**
 * Request-level checks shared in spirit with the other judge modules (plugins share only the SPI):
 * a malformed request is rejected whole with the field path of the first bad sample. Unlike the
 * lexical judges, an empty response is scored: a reward model has an opinion about saying nothing.
 */
final class SampleChecks {

    /** Longest prompt or response accepted: 1 MiB of UTF-16 code units (about 1 MB of text). */
    static final int MAX_TEXT_CHARS = 1 << 20;

    private SampleChecks() {}

    static void validate(List<JudgeSample> samples) {
        if (samples == null) {
            throw new InvalidInputException("samples", "is missing");
        }
        for (int i = 0; i < samples.size(); i++) {
            JudgeSample s = samples.get(i);
            if (s == null) {
                throw new InvalidInputException("samples[" + i + "]", "is missing");
            }
            if (s.response() == null) {
                throw new InvalidInputException("samples[" + i + "].response", "is missing");
            }
            checkLength(s.response(), "samples[" + i + "].response");
            if (s.prompt() != null) {
                checkLength(s.prompt(), "samples[" + i + "].prompt");
            }
            for (int t = 0; t < s.history().size(); t++) {
                if (s.history().get(t) == null || s.history().get(t).content() == null) {
                    throw new InvalidInputException("samples[" + i + "].history[" + t + "]", "is missing");
                }
                checkLength(s.history().get(t).content(), "samples[" + i + "].history[" + t + "].content");
            }
        }
    }

    private static void checkLength(String text, String field) {
        if (text.length() > MAX_TEXT_CHARS) {
            throw new InvalidInputException(field, "is " + text.length() + " characters; the limit is "
                    + MAX_TEXT_CHARS);
        }
    }

    /**
     * Replaces unpaired UTF-16 surrogates (what invalid UTF-8 or a truncated emoji leaves behind)
     * with U+FFFD, which the tokenizer's Rust side needs (it only accepts valid UTF-8).
     */
    static String wellFormed(String text) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i += 2;
            } else if (Character.isSurrogate(c)) {
                break;
            } else {
                i++;
            }
        }
        if (i == n) {
            return text;
        }
        StringBuilder sb = new StringBuilder(n).append(text, 0, i);
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                sb.append(c).append(text.charAt(i + 1));
                i += 2;
            } else {
                sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
                i++;
            }
        }
        return sb.toString();
    }
}
