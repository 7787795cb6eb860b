package dev.plumbline.plugin.judge.rules;

/**
 * Which part of a response a proposition reads: the first and/or last N characters (0 = no limit).
 * Refusal style lives in the opening, sign-offs at the end; scoping also keeps patterns cheap.
 */
record Scope(int firstChars, int lastChars) {

    static final Scope ALL = new Scope(0, 0);

    String apply(String text) {
        if (firstChars > 0 && text.length() > firstChars) {
            return text.substring(0, firstChars);
        }
        if (lastChars > 0 && text.length() > lastChars) {
            return text.substring(text.length() - lastChars);
        }
        return text;
    }

    @Override
    public String toString() {
        return firstChars > 0 ? "first " + firstChars + " chars" : lastChars > 0 ? "last " + lastChars + " chars" : "all";
    }
}
