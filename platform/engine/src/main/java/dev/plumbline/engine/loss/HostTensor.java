package dev.plumbline.engine.loss;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named tensor in host memory: {@code values} in row-major order, {@code shape} its dimensions
 * ({@code []} for a scalar, one value). The record itself accepts anything — {@link LossKernel}
 * validates client data and reports mistakes as {@link dev.plumbline.spi.InvalidInputException}s.
 */
public record HostTensor(String name, long[] shape, double[] values) {

    /** Convenience: {@code HostTensor.of("logps", new double[] {...}, 2, 3)}. */
    public static HostTensor of(String name, double[] values, long... shape) {
        return new HostTensor(name, shape, values);
    }

    /** A scalar (shape {@code []}). */
    public static HostTensor scalar(String name, double value) {
        return new HostTensor(name, new long[0], new double[] {value});
    }

    /** A 1-D tensor. */
    public static HostTensor vector(String name, double... values) {
        return new HostTensor(name, new long[] {values.length}, values);
    }

    /** A 2-D tensor from rows of equal length. */
    public static HostTensor matrix(String name, double[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        double[] flat = new double[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new IllegalArgumentException("ragged matrix " + name);
            }
            System.arraycopy(rows[i], 0, flat, i * cols, cols);
        }
        return new HostTensor(name, new long[] {rows.length, cols}, flat);
    }

    /** The value at a row-major flat index. */
    public double value(int flatIndex) {
        return values[flatIndex];
    }

    /** A copy with other values (same name and shape). */
    public HostTensor withValues(double[] newValues) {
        return new HostTensor(name, shape.clone(), newValues);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor other && Objects.equals(name, other.name)
                && Arrays.equals(shape, other.shape) && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "=" + (values == null ? "null"
                : values.length <= 16 ? Arrays.toString(values) : "(" + values.length + " values)");
    }
}
