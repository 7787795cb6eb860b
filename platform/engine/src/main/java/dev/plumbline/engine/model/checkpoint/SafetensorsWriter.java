package dev.plumbline.engine.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Writes NDArrays as a safetensors file (header padded to 8 bytes with spaces, as the reference
 * implementation does). The file appears atomically: written beside the target, then moved over it.
 */
public final class SafetensorsWriter {

    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            SafetensorsDtype dtype = dtype(e.getKey(), a.getDataType());
            long bytes = a.size() * dtype.bytes();
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", dtype.name());
            JsonArray shape = new JsonArray();
            for (long d : a.getShape().getShape()) {
                shape.add(d);
            }
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + bytes);
            entry.add("data_offsets", offsets);
            header.add(e.getKey(), entry);
            offset += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(out, head);
                for (NDArray a : tensors.values()) {
                    NDArray data = a.stopGradient();
                    try {
                        writeFully(out, littleEndian(data.toByteBuffer(), dtype("", a.getDataType()).bytes()));
                    } finally {
                        data.close();
                    }
                }
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write failure below is what matters
            }
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static SafetensorsDtype dtype(String name, DataType type) {
        return switch (type) {
            case FLOAT32 -> SafetensorsDtype.F32;
            case FLOAT64 -> SafetensorsDtype.F64;
            case FLOAT16 -> SafetensorsDtype.F16;
            case INT64 -> SafetensorsDtype.I64;
            case INT32 -> SafetensorsDtype.I32;
            case INT8 -> SafetensorsDtype.I8;
            case UINT8 -> SafetensorsDtype.U8;
            case BOOLEAN -> SafetensorsDtype.BOOL;
            default -> throw new IllegalArgumentException("cannot write " + name + " of type " + type);
        };
    }

    private static ByteBuffer littleEndian(ByteBuffer data, int elementBytes) {
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN || elementBytes == 1) {
            return data;
        }
        ByteBuffer out = ByteBuffer.allocate(data.remaining());
        byte[] element = new byte[elementBytes];
        while (data.hasRemaining()) {
            data.get(element);
            for (int i = elementBytes - 1; i >= 0; i--) {
                out.put(element[i]);
            }
        }
        return out.flip();
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
