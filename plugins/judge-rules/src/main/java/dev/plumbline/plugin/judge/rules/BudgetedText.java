package dev.plumbline.plugin.judge.rules;

/**
 * A CharSequence that stops a regular expression after a fixed number of character reads, so a
 * rubric pattern with catastrophic backtracking fails one verdict instead of hanging a thread.
 */
final class BudgetedText implements CharSequence {

    static final class BudgetExceededException extends RuntimeException {
        BudgetExceededException() {
            super("pattern exceeded its matching budget", null, false, false);
        }
    }

    private final CharSequence text;
    private final int offset;
    private final int length;
    private final long[] remaining;

    BudgetedText(CharSequence text, long budget) {
        this(text, 0, text.length(), new long[] {budget});
    }

    private BudgetedText(CharSequence text, int offset, int length, long[] remaining) {
        this.text = text;
        this.offset = offset;
        this.length = length;
        this.remaining = remaining;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        if (--remaining[0] < 0) {
            throw new BudgetExceededException();
        }
        return text.charAt(offset + index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new BudgetedText(text, offset + start, end - start, remaining);
    }

    @Override
    public String toString() {
        return text.subSequence(offset, offset + length).toString();
    }
}
