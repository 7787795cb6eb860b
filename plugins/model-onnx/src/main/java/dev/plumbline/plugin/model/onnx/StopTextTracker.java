package dev.plumbline.plugin.model.onnx;

import java.util.List;

/**
 * Follows the decoded text of one generation: finds stop strings (which may span tokens) and
 * releases text for streaming only once it can no longer turn into part of a stop string or of an
 * unfinished multi-byte character. Decodes the whole generated sequence each time, because
 * detokenisers (SentencePiece spaces, byte-level BPE) only decode correctly in context.
 */
final class StopTextTracker {

    private final TextTokenizer tokenizer;
    private final List<String> stops;
    private final int holdBack;
    private String text = "";
    private int released;
    private int stopAt = -1;

    StopTextTracker(TextTokenizer tokenizer, List<String> stops) {
        this.tokenizer = tokenizer;
        this.stops = stops;
        this.holdBack = stops.stream().mapToInt(String::length).max().orElse(1) - 1;
    }

    /** Re-decodes {@code ids}; true when a stop string appeared. */
    boolean update(long[] ids) {
        text = tokenizer.decode(ids, true);
        int from = Math.max(0, released - holdBack);
        for (String stop : stops) {
            int at = text.indexOf(stop, from);
            if (at >= 0 && (stopAt < 0 || at < stopAt)) {
                stopAt = at;
            }
        }
        return stopAt >= 0;
    }

    /** Text that became final since the last call. */
    String release(boolean finished) {
        int end;
        if (stopAt >= 0) {
            end = stopAt;
        } else if (finished) {
            end = text.length();
        } else {
            end = Math.max(released, text.length() - holdBack);
            // An unfinished UTF-8 sequence decodes to U+FFFD until its last byte arrives.
            while (end > released && text.charAt(end - 1) == '\uFFFD') {
                end--;
            }
        }
        if (end <= released) {
            return "";
        }
        String out = text.substring(released, end);
        released = end;
        return out;
    }

    /** The final text, cut before the stop string if one matched. */
    String finalText() {
        return stopAt >= 0 ? text.substring(0, stopAt) : text;
    }
}
