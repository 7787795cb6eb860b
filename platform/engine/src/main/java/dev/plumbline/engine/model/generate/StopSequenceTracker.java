package dev.plumbline.engine.model.generate;

import dev.plumbline.engine.model.tokenizer.Tokenizer;
import java.util.List;

/**
 * Follows one row's decoded text: finds stop sequences (which may span tokens) and releases text
 * for streaming only once it can no longer become part of a stop sequence or of an unfinished
 * multi-byte character. Decodes the whole generated sequence each time, because detokenisers
 * (SentencePiece spaces, byte-level BPE) only decode correctly in context.
 */
final class StopSequenceTracker {

    private final Tokenizer tokenizer;
    private final List<String> stops;
    private final int holdBack;
    private String text = "";
    private int released;
    private int stopAt = -1;

    StopSequenceTracker(Tokenizer tokenizer, List<String> stops) {
        this.tokenizer = tokenizer;
        this.stops = stops;
        this.holdBack = stops.stream().mapToInt(String::length).max().orElse(1) - 1;
    }

    /** Re-decodes {@code ids}; returns true when a stop sequence appeared. */
    boolean update(long[] ids) {
        text = tokenizer.decode(ids, true);
        if (stops.isEmpty()) {
            return false;
        }
        int from = Math.max(0, released - holdBack);
        int earliest = -1;
        for (String s : stops) {
            int at = text.indexOf(s, from);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            stopAt = earliest;
            return true;
        }
        return false;
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

    /** The final text: cut before the stop sequence if one matched. */
    String finalText() {
        return stopAt >= 0 ? text.substring(0, stopAt) : text;
    }
}
