package dev.plumbline.engine.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.plumbline.engine.model.StrictJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a safetensors file: an 8-byte little-endian header length, a JSON header mapping names to
 * {@code {dtype, shape, data_offsets}}, then the raw little-endian data. The whole header is
 * validated when the file is opened (offsets inside the file, sizes matching dtype and shape), so
 * a truncated or malformed file fails with a {@link CheckpointException} naming it and the tensor,
 * before any weight is read. Tensor data is memory-mapped one tensor at a time.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** The format caps headers at 100 MB; anything larger is not a safetensors file. */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** One tensor's header entry; offsets are relative to the start of the data section. */
    public record TensorInfo(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {

        public long elementCount() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        public Shape djlShape() {
            return new Shape(shape);
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path, null, "file not found");
        } catch (IOException e) {
            throw new CheckpointException(path, null, "cannot open: " + e.getMessage(), e);
        }
        try {
            return parse(path, channel);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, FileChannel channel) {
        try {
            long size = channel.size();
            if (size < 8) {
                throw new CheckpointException(path, null, "truncated: " + size
                        + " bytes, too short for the 8-byte safetensors header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw new CheckpointException(path, null, "not a safetensors file: header length " + headerLength
                        + " is outside 2.." + MAX_HEADER_BYTES + " bytes");
            }
            if (8 + headerLength > size) {
                throw new CheckpointException(path, null, "truncated: the header needs " + (8 + headerLength)
                        + " bytes, the file has " + size);
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, 8);
            String header;
            try {
                header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(headerBytes.flip()).toString();
            } catch (CharacterCodingException e) {
                throw new CheckpointException(path, null, "malformed header: not UTF-8", e);
            }
            JsonElement root;
            try {
                root = StrictJson.parse(header.stripTrailing());
            } catch (JsonParseException e) {
                throw new CheckpointException(path, null, "malformed header JSON: " + e.getMessage(), e);
            }
            if (!root.isJsonObject()) {
                throw new CheckpointException(path, null, "malformed header: expected a JSON object");
            }
            long dataStart = 8 + headerLength;
            long dataSize = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<TensorInfo> infos = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    if (e.getValue().isJsonObject()) {
                        e.getValue().getAsJsonObject().entrySet().forEach(m -> metadata.put(m.getKey(),
                                m.getValue().isJsonPrimitive() ? m.getValue().getAsString() : m.getValue().toString()));
                    }
                    continue;
                }
                infos.add(tensorInfo(path, e.getKey(), e.getValue(), dataSize));
            }
            infos.sort(Comparator.comparingLong(TensorInfo::begin));
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            infos.forEach(i -> tensors.put(i.name(), i));
            return new SafetensorsFile(path, channel, dataStart, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new CheckpointException(path, null, "cannot read: " + e.getMessage(), e);
        }
    }

    private static TensorInfo tensorInfo(Path path, String name, JsonElement value, long dataSize) {
        if (!value.isJsonObject()) {
            throw new CheckpointException(path, name, "malformed header entry: expected an object");
        }
        JsonObject o = value.getAsJsonObject();
        JsonElement dtypeJson = o.get("dtype");
        if (dtypeJson == null || !dtypeJson.isJsonPrimitive() || !dtypeJson.getAsJsonPrimitive().isString()) {
            throw new CheckpointException(path, name, "malformed header entry: missing dtype");
        }
        String dtypeName = dtypeJson.getAsString();
        SafetensorsDtype dtype = SafetensorsDtype.parse(dtypeName).orElseThrow(() -> new CheckpointException(path,
                name, "unknown dtype " + dtypeName + " (supported: " + Arrays.toString(SafetensorsDtype.values())
                        + ")"));
        long[] shape = longs(path, name, o.get("shape"), "shape", -1);
        long[] offsets = longs(path, name, o.get("data_offsets"), "data_offsets", 2);
        if (offsets[0] > offsets[1]) {
            throw new CheckpointException(path, name, "malformed data_offsets " + Arrays.toString(offsets));
        }
        TensorInfo info = new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
        long expected;
        try {
            expected = Math.multiplyExact(info.elementCount(), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new CheckpointException(path, name, "shape " + Arrays.toString(shape) + " is too large");
        }
        if (offsets[1] - offsets[0] != expected) {
            throw new CheckpointException(path, name, "data_offsets " + Arrays.toString(offsets) + " span "
                    + (offsets[1] - offsets[0]) + " bytes, but " + dtype + " " + Arrays.toString(shape) + " needs "
                    + expected);
        }
        if (offsets[1] > dataSize) {
            throw new CheckpointException(path, name, "truncated: the tensor's data ends at byte " + offsets[1]
                    + " of the data section, which has only " + dataSize + " bytes");
        }
        return info;
    }

    private static long[] longs(Path path, String name, JsonElement e, String field, int requiredLength) {
        if (e == null || !e.isJsonArray()) {
            throw new CheckpointException(path, name, "malformed header entry: " + field + " must be an array");
        }
        long[] out = new long[e.getAsJsonArray().size()];
        if (requiredLength >= 0 && out.length != requiredLength) {
            throw new CheckpointException(path, name, "malformed header entry: " + field + " needs "
                    + requiredLength + " numbers");
        }
        int i = 0;
        for (JsonElement item : e.getAsJsonArray()) {
            if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isNumber()
                    || item.getAsDouble() < 0 || item.getAsDouble() != Math.rint(item.getAsDouble())) {
                throw new CheckpointException(path, name, "malformed header entry: " + field
                        + " must hold non-negative integers, got " + e);
            }
            out[i++] = item.getAsLong();
        }
        return out;
    }

    public Path path() {
        return path;
    }

    /** Header entries in data order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new CheckpointException(path, name, "missing tensor");
        }
        return info;
    }

    /** Reads a floating-point tensor (F32, F16, BF16, F64) as a float32 array in {@code manager}. */
    public NDArray readFloat32(String name, NDManager manager) {
        TensorInfo info = info(name);
        if (!info.dtype().floating()) {
            throw new CheckpointException(path, name, "dtype " + info.dtype()
                    + " is not a floating-point type (expected F32, F16, BF16 or F64)");
        }
        ByteBuffer raw = map(info);
        ByteBuffer f32;
        if (info.dtype() == SafetensorsDtype.F32 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            // PyTorch wraps direct buffers without copying: clone so weights never live in a read-only mapping.
            NDArray mapped = manager.create(raw, info.djlShape(), DataType.FLOAT32);
            NDArray owned = mapped.duplicate();
            mapped.close();
            return owned;
        } else {
            int n = Math.toIntExact(info.elementCount());
            f32 = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
            for (int i = 0; i < n; i++) {
                f32.putFloat(element(raw, info.dtype(), i));
            }
            f32.flip();
        }
        // The array keeps a reference to this direct buffer, which it uses as its storage.
        return manager.create(f32, info.djlShape(), DataType.FLOAT32);
    }

    /** A floating-point tensor as a host float array. */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        if (!info.dtype().floating()) {
            throw new CheckpointException(path, name, "dtype " + info.dtype() + " is not a floating-point type");
        }
        ByteBuffer raw = map(info);
        float[] out = new float[Math.toIntExact(info.elementCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = element(raw, info.dtype(), i);
        }
        return out;
    }

    /** An integer tensor (I64, I32, I16, I8, U8) as a host long array. */
    public long[] readLongs(String name) {
        TensorInfo info = info(name);
        ByteBuffer raw = map(info);
        long[] out = new long[Math.toIntExact(info.elementCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (info.dtype()) {
                case I64 -> raw.getLong(i * 8);
                case I32 -> raw.getInt(i * 4);
                case I16 -> raw.getShort(i * 2);
                case I8 -> raw.get(i);
                case U8, BOOL -> raw.get(i) & 0xff;
                default -> throw new CheckpointException(path, name, "dtype " + info.dtype() + " is not an integer type");
            };
        }
        return out;
    }

    private static float element(ByteBuffer raw, SafetensorsDtype dtype, int i) {
        return switch (dtype) {
            case F32 -> raw.getFloat(i * 4);
            case F64 -> (float) raw.getDouble(i * 8);
            case F16 -> halfToFloat(raw.getShort(i * 2));
            case BF16 -> Float.intBitsToFloat((raw.getShort(i * 2) & 0xffff) << 16);
            default -> throw new IllegalArgumentException(dtype.toString());
        };
    }

    /** IEEE 754 binary16 to float32 (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            float value = mantissa / 1024f / 16384f; // subnormal: mantissa * 2^-24
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private ByteBuffer map(TensorInfo info) {
        long length = info.end() - info.begin();
        if (length > Integer.MAX_VALUE) {
            throw new CheckpointException(path, info.name(), "tensors over 2 GiB are not supported");
        }
        try {
            if (length == 0) {
                return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), length)
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CheckpointException(path, info.name(), "cannot read: " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            at += n;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing useful to do: the open failure is what the caller needs to see
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
