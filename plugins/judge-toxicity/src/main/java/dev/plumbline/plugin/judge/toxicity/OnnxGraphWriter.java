package dev.plumbline.plugin.judge.toxicity;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a logistic-regression scorer as an ONNX model, encoding the protobuf by hand (the
 * ModelProto subset needed is small and stable, so no protobuf or onnx dependency is pulled in).
 *
 * <p>Graph (opset 13, IR version 8): {@code features} float[N, D] → MatMul(W: [D, 1]) → Add(B: [1])
 * → {@code logit} float[N, 1] → Sigmoid → {@code probability} float[N, 1]. Field numbers are
 * those of onnx/onnx.proto3.
 */
public final class OnnxGraphWriter {

    public static final String INPUT = "features";
    public static final String LOGIT = "logit";
    public static final String PROBABILITY = "probability";

    private static final long IR_VERSION = 8;
    private static final long OPSET = 13;
    private static final int FLOAT = 1; // TensorProto.DataType.FLOAT

    private OnnxGraphWriter() {}

    /** @param metadata written as ModelProto.metadata_props, e.g. the feature spec */
    public static byte[] logisticRegression(float[] weights, float bias, String docString, Map<String, String> metadata) {
        int d = weights.length;
        Proto graph = new Proto()
                .message(1, node("matmul", "MatMul", new String[] {INPUT, "W"}, "logit_raw"))
                .message(1, node("add_bias", "Add", new String[] {"logit_raw", "B"}, LOGIT))
                .message(1, node("sigmoid", "Sigmoid", new String[] {LOGIT}, PROBABILITY))
                .string(2, "logistic_regression")
                .message(5, tensor("W", new long[] {d, 1}, weights))
                .message(5, tensor("B", new long[] {1}, new float[] {bias}))
                .message(11, valueInfo(INPUT, d))
                .message(12, valueInfo(LOGIT, 1))
                .message(12, valueInfo(PROBABILITY, 1));
        Proto model = new Proto()
                .int64(1, IR_VERSION)
                .string(2, "plumbline")
                .string(3, "1")
                .string(6, docString)
                .message(7, graph)
                .message(8, new Proto().string(1, "").int64(2, OPSET));
        // Sorted so that the same model always encodes to the same bytes.
        new TreeMap<>(metadata).forEach((k, v) -> model.message(14, new Proto().string(1, k).string(2, v)));
        return model.bytes();
    }

    private static Proto node(String name, String op, String[] inputs, String output) {
        Proto p = new Proto();
        for (String in : inputs) {
            p.string(1, in);
        }
        return p.string(2, output).string(3, name).string(4, op);
    }

    private static Proto tensor(String name, long[] dims, float[] data) {
        Proto p = new Proto();
        for (long dim : dims) {
            p.int64(1, dim);
        }
        ByteBuffer raw = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) {
            raw.putFloat(f);
        }
        return p.int64(2, FLOAT).string(8, name).bytes(9, raw.array());
    }

    /** A float tensor [N, cols] with a symbolic batch dimension. */
    private static Proto valueInfo(String name, long cols) {
        Proto shape = new Proto()
                .message(1, new Proto().string(2, "N"))
                .message(1, new Proto().int64(1, cols));
        Proto tensorType = new Proto().int64(1, FLOAT).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    /** Just enough of the protobuf wire format: varints (wire type 0) and length-delimited fields (2). */
    static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto int64(int field, long value) {
            varint((long) field << 3);
            varint(value);
            return this;
        }

        Proto string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto bytes(int field, byte[] value) {
            varint((long) field << 3 | 2);
            varint(value.length);
            out.writeBytes(value);
            return this;
        }

        Proto message(int field, Proto value) {
            return bytes(field, value.bytes());
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
