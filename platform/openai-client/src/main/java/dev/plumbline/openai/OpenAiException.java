package dev.plumbline.openai;

/**
 * The endpoint gave no usable answer. The message names the request ({@code POST <url>}), what went
 * wrong and, when retries ran out, how many there were; it never contains the API key.
 */
public final class OpenAiException extends RuntimeException {

    private final int status;
    private final boolean retryable;

    OpenAiException(String message, int status, boolean retryable) {
        super(message);
        this.status = status;
        this.retryable = retryable;
    }

    OpenAiException(String message, int status, boolean retryable, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.retryable = retryable;
    }

    /** The HTTP status of the failed answer; 0 when there was none (connection error, timeout, …). */
    public int status() {
        return status;
    }

    /** True for failures worth another attempt: connection errors, timeouts, 429 and 5xx. */
    public boolean retryable() {
        return retryable;
    }

    OpenAiException finalAfter(int retries) {
        return new OpenAiException(getMessage() + " (after " + retries + " retries)", status, false, this);
    }

    OpenAiException notRetryable(String note) {
        return new OpenAiException(getMessage() + " " + note, status, false, this);
    }
}
