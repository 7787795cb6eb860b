package dev.plumbline.plugin.judge.rules;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compiled regex plus the positions where a match can start, read off the pattern's opening:
 * which characters a match can begin with and whether it must begin at a word boundary, a line
 * start or the start of the input. {@link Finder#find()} tries {@code lookingAt()} only at those
 * positions instead of letting {@code Matcher.find()} attempt every position, which is where most
 * regex time goes on prose (a {@code \b(?:i|we) ...} pattern is tried at a few word starts, not at
 * a thousand characters). The matches are exactly those of {@code Matcher.find()}; a pattern the
 * analysis does not understand, or one that can match the empty string, is run with plain
 * {@code find()}. Immutable and thread-safe; a {@link Finder} is not.
 */
final class FilteredPattern {

    private final Pattern pattern;
    /** Null when every position must be tried. */
    private final StartFilter starts;

    private FilteredPattern(Pattern pattern, StartFilter starts) {
        this.pattern = pattern;
        this.starts = starts;
    }

    static FilteredPattern compile(String regex, int flags) {
        Pattern p = Pattern.compile(regex, flags);
        return new FilteredPattern(p, StartFilter.analyse(regex, flags));
    }

    Pattern pattern() {
        return pattern;
    }

    /** Whether the start filter applies (for tests and diagnostics). */
    boolean filtered() {
        return starts != null;
    }

    Finder finder(CharSequence text) {
        return new Finder(text);
    }

    /** The first match in {@code text}, or null. */
    Matcher findFirst(CharSequence text) {
        Finder f = new Finder(text);
        return f.find() ? f.matcher : null;
    }

    /** Successive matches in one text, with {@code Matcher.find()} semantics. */
    final class Finder {
        private final CharSequence text;
        private final Matcher matcher;
        private int next;

        private Finder(CharSequence text) {
            this.text = text;
            this.matcher = pattern.matcher(text);
            // Bounds like the whole-text find(): \b, ^ and look-behind see what precedes a start.
            matcher.useTransparentBounds(true).useAnchoringBounds(false);
        }

        boolean find() {
            if (starts == null) {
                return matcher.find();
            }
            int n = text.length();
            for (int p = starts.next(text, next); p < n; p = starts.next(text, p + 1)) {
                matcher.region(p, n);
                if (matcher.lookingAt()) {
                    // Matches are never empty here (nullable patterns have no filter).
                    next = matcher.end();
                    return true;
                }
            }
            next = n;
            return false;
        }

        String group() {
            return matcher.group();
        }

        int start() {
            return matcher.start();
        }

        int end() {
            return matcher.end();
        }
    }
}
