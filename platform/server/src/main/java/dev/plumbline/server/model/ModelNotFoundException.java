package dev.plumbline.server.model;

import dev.plumbline.spi.InvalidInputException;

/** No provider offers the model: NOT_FOUND over gRPC, 404 over HTTP. */
public final class ModelNotFoundException extends InvalidInputException {

    public ModelNotFoundException(String field, String message) {
        super(field, message);
    }
}
