package dev.plumbline.plugin.judge.llm;

/** The endpoint could not give an answer (after retries, when the failure was retryable). */
final class ChatCallException extends RuntimeException {

    private final boolean retryable;

    ChatCallException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    ChatCallException(String message, Throwable cause) {
        super(message, cause);
        this.retryable = true;
    }

    boolean retryable() {
        return retryable;
    }
}
