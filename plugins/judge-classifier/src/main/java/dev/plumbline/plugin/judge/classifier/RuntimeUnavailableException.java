package dev.plumbline.plugin.judge.classifier;

/**
 * ONNX Runtime or the tokenizers native library cannot run in this process: a server fault, so
 * the judge answers with failed verdicts instead of blaming the request.
 */
final class RuntimeUnavailableException extends RuntimeException {

    RuntimeUnavailableException(String message, Throwable cause) {
        super(message + ": " + cause, cause);
    }
}
