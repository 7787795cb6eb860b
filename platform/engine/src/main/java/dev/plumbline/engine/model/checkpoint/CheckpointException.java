package dev.plumbline.engine.model.checkpoint;

import dev.plumbline.spi.InvalidInputException;
import java.nio.file.Path;

/**
 * A checkpoint file that cannot be used: malformed config.json, missing or misshapen tensor,
 * truncated or malformed safetensors, unknown dtype. {@link #field()} names the file and, when
 * there is one, the tensor or config field ({@code /m/model.safetensors model.norm.weight}).
 * A client mistake, so it is an {@link InvalidInputException} (INVALID_ARGUMENT over gRPC).
 */
public class CheckpointException extends InvalidInputException {

    private final Path file;
    private final String item;

    public CheckpointException(Path file, String item, String message) {
        super(item == null ? String.valueOf(file) : file + " " + item, message);
        this.file = file;
        this.item = item;
    }

    public CheckpointException(Path file, String item, String message, Throwable cause) {
        this(file, item, message);
        initCause(cause);
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** The tensor name or config field at fault, or {@code null} for the file as a whole. */
    public String item() {
        return item;
    }
}
