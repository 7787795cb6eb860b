package dev.plumbline.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parameter values resolved against a plugin's {@link ParameterSpec}s: typed, defaulted, range-checked. */
public final class Parameters {

    private final Map<String, Object> values;

    private Parameters(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Validates {@code given} against {@code specs} and fills defaults.
     *
     * @param given values as {@link Number}, {@link String} or {@link Boolean}
     * @param fieldPrefix prefix for error field paths, e.g. {@code "parameters"}
     * @throws InvalidInputException naming {@code fieldPrefix.name} for an unknown parameter, a
     *     missing required one, a wrong type, a value out of range or not allowed
     */
    public static Parameters resolve(List<ParameterSpec> specs, Map<String, ?> given, String fieldPrefix) {
        Map<String, ParameterSpec> byName = new LinkedHashMap<>();
        for (ParameterSpec spec : specs) {
            byName.put(spec.name(), spec);
        }
        for (String name : given.keySet()) {
            if (!byName.containsKey(name)) {
                throw new InvalidInputException(fieldPrefix + "." + name,
                        "unknown parameter; known: " + String.join(", ", byName.keySet()));
            }
        }
        Map<String, Object> resolved = new LinkedHashMap<>();
        for (ParameterSpec spec : specs) {
            String field = fieldPrefix + "." + spec.name();
            Object raw = given.get(spec.name());
            if (raw == null) {
                if (spec.required()) {
                    throw new InvalidInputException(field, "required parameter is missing");
                }
                resolved.put(spec.name(), spec.defaultValue());
                continue;
            }
            resolved.put(spec.name(), coerce(spec, raw, field));
        }
        return new Parameters(resolved);
    }

    public static Parameters defaults(List<ParameterSpec> specs) {
        return resolve(specs, Map.of(), "parameters");
    }

    private static Object coerce(ParameterSpec spec, Object raw, String field) {
        switch (spec.type()) {
            case NUMBER -> {
                if (!(raw instanceof Number n)) {
                    throw new InvalidInputException(field, "expected a number, got " + describe(raw));
                }
                double v = n.doubleValue();
                if (!Double.isFinite(v)) {
                    throw new InvalidInputException(field, "must be finite, got " + v);
                }
                checkRange(spec, v, field);
                return v;
            }
            case INTEGER -> {
                long v;
                if (raw instanceof Long || raw instanceof Integer || raw instanceof Short || raw instanceof Byte) {
                    v = ((Number) raw).longValue();
                } else if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                        && Double.isFinite(n.doubleValue())) {
                    v = (long) n.doubleValue();
                } else {
                    throw new InvalidInputException(field, "expected an integer, got " + describe(raw));
                }
                checkRange(spec, v, field);
                return v;
            }
            case BOOLEAN -> {
                if (!(raw instanceof Boolean b)) {
                    throw new InvalidInputException(field, "expected a boolean, got " + describe(raw));
                }
                return b;
            }
            case STRING -> {
                if (!(raw instanceof String s)) {
                    throw new InvalidInputException(field, "expected a string, got " + describe(raw));
                }
                return s;
            }
            case ENUM -> {
                if (!(raw instanceof String s) || !spec.allowedValues().contains(s)) {
                    throw new InvalidInputException(field, "must be one of " + spec.allowedValues()
                            + ", got " + describe(raw));
                }
                return s;
            }
            default -> throw new IllegalStateException(spec.type().name());
        }
    }

    private static void checkRange(ParameterSpec spec, double v, String field) {
        if (spec.minimum() != null && v < spec.minimum()) {
            throw new InvalidInputException(field, "must be >= " + plain(spec.minimum()) + ", got " + plain(v));
        }
        if (spec.maximum() != null && v > spec.maximum()) {
            throw new InvalidInputException(field, "must be <= " + plain(spec.maximum()) + ", got " + plain(v));
        }
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static String describe(Object raw) {
        return raw instanceof String s ? "\"" + s + "\"" : String.valueOf(raw);
    }

    public double number(String name) {
        return ((Number) get(name)).doubleValue();
    }

    public long integer(String name) {
        return ((Number) get(name)).longValue();
    }

    public int intValue(String name) {
        return Math.toIntExact(integer(name));
    }

    public String string(String name) {
        return (String) get(name);
    }

    public boolean bool(String name) {
        return (Boolean) get(name);
    }

    public Map<String, Object> asMap() {
        return values;
    }

    private Object get(String name) {
        if (!values.containsKey(name)) {
            throw new IllegalArgumentException("no parameter " + name + " (declared: " + values.keySet() + ")");
        }
        return values.get(name);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
