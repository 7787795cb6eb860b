package dev.plumbline.server.grpc;

/** The request is valid but this server cannot serve it (e.g. a gateway build without DJL). FAILED_PRECONDITION. */
public final class FeatureUnavailableException extends RuntimeException {

    public FeatureUnavailableException(String message) {
        super(message);
    }
}
