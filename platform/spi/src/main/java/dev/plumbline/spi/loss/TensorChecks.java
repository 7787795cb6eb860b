package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LossInput;

/**
 * Value checks a {@link dev.plumbline.spi.TensorSpec} cannot express (0/1 masks, positive lengths,
 * log-probabilities below 0). Each failure is an {@link InvalidInputException} on
 * {@code tensors.<name>.values} naming the first offending index (row-major).
 */
public final class TensorChecks {

    private TensorChecks() {
    }

    /** Every value is 0 or 1. */
    public static void requireBinary(LossInput input, String name) {
        double[] v = values(input, name);
        for (int i = 0; i < v.length; i++) {
            if (v[i] != 0.0 && v[i] != 1.0) {
                throw new InvalidInputException(field(name), "values[" + i + "] = " + v[i] + "; must be 0 or 1");
            }
        }
    }

    /** Every value is {@code >= min}. */
    public static void requireAtLeast(LossInput input, String name, double min, String why) {
        double[] v = values(input, name);
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] >= min)) {
                throw new InvalidInputException(field(name), "values[" + i + "] = " + v[i] + "; must be >= " + min
                        + (why.isEmpty() ? "" : " (" + why + ")"));
            }
        }
    }

    /** Every value is {@code < bound}. */
    public static void requireBelow(LossInput input, String name, double bound, String why) {
        double[] v = values(input, name);
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] < bound)) {
                throw new InvalidInputException(field(name), "values[" + i + "] = " + v[i] + "; must be < " + bound
                        + (why.isEmpty() ? "" : " (" + why + ")"));
            }
        }
    }

    /** At least {@code min} values of a 0/1 mask are 1. */
    public static void requireMaskCount(LossInput input, String name, int min, String why) {
        double[] v = values(input, name);
        int ones = 0;
        for (double x : v) {
            ones += x == 1.0 ? 1 : 0;
        }
        if (ones < min) {
            throw new InvalidInputException(field(name), "has " + ones + " unmasked positions; needs at least "
                    + min + (why.isEmpty() ? "" : " (" + why + ")"));
        }
    }

    /** Each row of a {@code [B, T]} 0/1 mask has at least one 1. */
    public static void requireNonEmptyRows(LossInput input, String name) {
        NDArray mask = input.tensor(name);
        long rows = mask.getShape().get(0);
        long cols = mask.getShape().get(1);
        double[] v = values(input, name);
        for (int i = 0; i < rows; i++) {
            boolean any = false;
            for (int t = 0; t < cols; t++) {
                any |= v[(int) (i * cols + t)] == 1.0;
            }
            if (!any) {
                throw new InvalidInputException(field(name), "row " + i + " has no unmasked position");
            }
        }
    }

    private static String field(String name) {
        return "tensors." + name + ".values";
    }

    private static double[] values(LossInput input, String name) {
        NDArray t = input.tensor(name).stopGradient();
        return t.getDataType() == DataType.FLOAT64 ? t.toDoubleArray() : t.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
