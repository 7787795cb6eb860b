package dev.plumbline.plugin.judge.toxicity;

import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.JudgeSample;
import java.util.List;

/**
 * Request-level checks (the same rules as the judge-rules module; plugins share only the SPI): a malformed request is rejected
 * whole with the field path of the first bad sample; an empty response is left to the judge,
 * which returns a failed verdict for it.
 */
final class SampleChecks {

    /** Longest response a judge accepts: 1 MiB of UTF-16 code units (about 1 MB of text). */
    static final int MAX_RESPONSE_CHARS = 1 << 20;

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
            if (s.response().length() > MAX_RESPONSE_CHARS) {
                throw new InvalidInputException("samples[" + i + "].response", "is " + s.response().length()
                        + " characters; the limit is " + MAX_RESPONSE_CHARS);
            }
            if (s.prompt() != null && s.prompt().length() > MAX_RESPONSE_CHARS) {
                throw new InvalidInputException("samples[" + i + "].prompt", "is " + s.prompt().length()
                        + " characters; the limit is " + MAX_RESPONSE_CHARS);
            }
        }
    }

    /**
     * Replaces unpaired UTF-16 surrogates (what invalid UTF-8 or a truncated emoji leaves behind)
     * with U+FFFD so that matching and normalisation see well-formed text. Returns the input itself
     * when it is already well formed, which is the common case.
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

    static boolean isBlank(String text) {
        return text.isBlank();
    }
}
