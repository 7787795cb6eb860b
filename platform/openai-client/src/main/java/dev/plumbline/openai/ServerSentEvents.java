package dev.plumbline.openai;

/**
 * Reassembles server-sent events from body lines: {@code data:} lines up to a blank line make one
 * event (several are joined with {@code \n}); comments ({@code :keep-alive}) and the {@code event},
 * {@code id}, {@code retry} fields are ignored.
 */
final class ServerSentEvents {

    private final StringBuilder data = new StringBuilder();
    private boolean pending;

    /** The data of the event this line completes, or null. */
    String accept(String line) {
        if (line.isEmpty()) {
            return take();
        }
        if (line.startsWith(":")) {
            return null;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        if (!field.equals("data")) {
            return null;
        }
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if (pending) {
            data.append('\n');
        }
        data.append(value);
        pending = true;
        return null;
    }

    /** The data of an event the body ended in without its blank line, or null. */
    String finish() {
        return take();
    }

    private String take() {
        if (!pending) {
            return null;
        }
        String event = data.toString();
        data.setLength(0);
        pending = false;
        return event;
    }
}
