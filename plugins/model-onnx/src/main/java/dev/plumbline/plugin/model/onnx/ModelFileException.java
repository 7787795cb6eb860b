package dev.plumbline.plugin.model.onnx;

import dev.plumbline.spi.InvalidInputException;
import java.nio.file.Path;

/**
 * A file of a model directory that cannot be used: missing, malformed JSON, a bad config field, a
 * graph this provider cannot feed. {@link #field()} names the file and, when there is one, the
 * field or graph input ({@code /models/x/config.json num_hidden_layers}), as the local model layer
 * does; a client mistake, so INVALID_ARGUMENT over gRPC.
 */
public final class ModelFileException extends InvalidInputException {

    private final transient Path file;
    private final String item;

    ModelFileException(Path file, String item, String message) {
        super(item == null ? String.valueOf(file) : file + " " + item, message);
        this.file = file;
        this.item = item;
    }

    ModelFileException(Path file, String item, String message, Throwable cause) {
        this(file, item, message);
        initCause(cause);
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** The config field or graph input at fault, or {@code null} for the file as a whole. */
    public String item() {
        return item;
    }
}
