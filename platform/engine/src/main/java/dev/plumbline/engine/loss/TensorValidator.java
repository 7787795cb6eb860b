package dev.plumbline.engine.loss;

import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.TensorSpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks client tensors against an algorithm's {@link TensorSpec}s before any native memory is
 * touched: names, duplicates, presence, shapes (rank and symbolic dimensions bound consistently
 * across tensors), value counts, finiteness and (for float32) range. Every failure names the
 * field path the client got wrong.
 */
final class TensorValidator {

    private TensorValidator() {
    }

    /**
     * @return the supplied tensors by name, in the order of the algorithm's specs
     */
    static Map<String, HostTensor> validate(String algorithmId, List<TensorSpec> specs, List<HostTensor> tensors,
            boolean float64) {
        Map<String, TensorSpec> specByName = new LinkedHashMap<>();
        for (TensorSpec spec : specs) {
            specByName.put(spec.name(), spec);
        }
        if (tensors == null || tensors.isEmpty()) {
            throw new InvalidInputException("tensors", "no tensors given; algorithm " + algorithmId + " takes "
                    + describe(specs));
        }
        Map<String, HostTensor> byName = new HashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            HostTensor t = tensors.get(i);
            if (t == null) {
                throw new InvalidInputException("tensors", "tensor #" + i + " is null");
            }
            if (t.name() == null || t.name().isBlank()) {
                throw new InvalidInputException("tensors", "tensor #" + i + " has no name; algorithm " + algorithmId
                        + " takes " + describe(specs));
            }
            String field = "tensors." + t.name();
            TensorSpec spec = specByName.get(t.name());
            if (spec == null) {
                throw new InvalidInputException(field, "unknown tensor for algorithm " + algorithmId + "; known: "
                        + String.join(", ", specByName.keySet()));
            }
            if (byName.putIfAbsent(t.name(), t) != null) {
                throw new InvalidInputException(field, "given more than once");
            }
            checkShapeAndValues(spec, t, field, float64);
        }
        for (TensorSpec spec : specs) {
            if (spec.required() && !byName.containsKey(spec.name())) {
                throw new InvalidInputException("tensors." + spec.name(), "required tensor is missing; expected shape "
                        + spec.shapeText() + (spec.doc().isEmpty() ? "" : " (" + spec.doc() + ")"));
            }
        }
        bindDimensions(specs, byName);
        Map<String, HostTensor> ordered = new LinkedHashMap<>();
        for (TensorSpec spec : specs) {
            HostTensor t = byName.get(spec.name());
            if (t != null) {
                ordered.put(spec.name(), t);
            }
        }
        return ordered;
    }

    private static void checkShapeAndValues(TensorSpec spec, HostTensor t, String field, boolean float64) {
        if (t.shape() == null) {
            throw new InvalidInputException(field + ".shape", "missing; expected " + spec.shapeText());
        }
        if (t.shape().length != spec.shape().size()) {
            throw new InvalidInputException(field + ".shape", "expected rank " + spec.shape().size() + " "
                    + spec.shapeText() + ", got " + Arrays.toString(t.shape()));
        }
        long count = 1;
        for (int axis = 0; axis < t.shape().length; axis++) {
            long d = t.shape()[axis];
            if (d < 0) {
                throw new InvalidInputException(field + ".shape", "dimension " + spec.shape().get(axis) + " (axis "
                        + axis + ") is negative: " + Arrays.toString(t.shape()));
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                count = Long.MAX_VALUE;
            }
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new InvalidInputException(field + ".shape", "too many elements: " + Arrays.toString(t.shape()));
        }
        if (t.values() == null) {
            throw new InvalidInputException(field + ".values", "missing; expected " + count + " values for shape "
                    + Arrays.toString(t.shape()));
        }
        if (t.values().length != count) {
            throw new InvalidInputException(field + ".values", "expected " + count + " values for shape "
                    + Arrays.toString(t.shape()) + ", got " + t.values().length);
        }
        double[] v = t.values();
        double limit = float64 ? Double.MAX_VALUE : Float.MAX_VALUE;
        for (int i = 0; i < v.length; i++) {
            // One comparison per value (hot for 64k-token batches): false for NaN, ±infinity and float32 overflow.
            if (!(Math.abs(v[i]) <= limit)) {
                throw badValue(field, i, v[i]);
            }
        }
    }

    private static InvalidInputException badValue(String field, int i, double value) {
        if (Double.isNaN(value)) {
            return new InvalidInputException(field + ".values", "values[" + i + "] is NaN");
        }
        if (Double.isInfinite(value)) {
            return new InvalidInputException(field + ".values", "values[" + i + "] is " + value);
        }
        return new InvalidInputException(field + ".values", "values[" + i + "] = " + value
                + " overflows float32; request float64");
    }

    /** Binds every symbolic dimension to one size; numeric dimension names are fixed sizes. */
    private static void bindDimensions(List<TensorSpec> specs, Map<String, HostTensor> byName) {
        Map<String, Long> size = new LinkedHashMap<>();
        Map<String, String> boundBy = new HashMap<>();
        for (TensorSpec spec : specs) {
            HostTensor t = byName.get(spec.name());
            if (t == null) {
                continue;
            }
            for (int axis = 0; axis < spec.shape().size(); axis++) {
                String symbol = spec.shape().get(axis);
                long actual = t.shape()[axis];
                Long fixed = parseFixed(symbol);
                if (fixed != null) {
                    if (fixed != actual) {
                        throw new InvalidInputException("tensors." + t.name() + ".shape", "axis " + axis
                                + ": expected " + fixed + ", got " + actual + " (shape " + spec.shapeText() + ")");
                    }
                    continue;
                }
                Long expected = size.putIfAbsent(symbol, actual);
                if (expected == null) {
                    boundBy.put(symbol, t.name());
                } else if (expected != actual) {
                    throw new InvalidInputException("tensors." + t.name() + ".shape", "dimension " + symbol
                            + " (axis " + axis + " of " + spec.shapeText() + "): expected " + expected
                            + " as bound by tensors." + boundBy.get(symbol) + ", got " + actual);
                }
            }
        }
        for (Map.Entry<String, Long> e : size.entrySet()) {
            if (e.getValue() == 0) {
                throw new InvalidInputException("tensors", "empty batch: dimension " + e.getKey() + " is 0 (tensors."
                        + boundBy.get(e.getKey()) + ")");
            }
        }
    }

    private static Long parseFixed(String symbol) {
        if (symbol.isEmpty() || !symbol.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return Long.parseLong(symbol);
    }

    static String describe(List<TensorSpec> specs) {
        StringBuilder sb = new StringBuilder();
        for (TensorSpec s : specs) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(s.name()).append(' ').append(s.shapeText()).append(s.required() ? "" : " (optional)");
        }
        return sb.toString();
    }
}
