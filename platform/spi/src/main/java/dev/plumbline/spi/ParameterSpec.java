package dev.plumbline.spi;

import java.util.List;
import java.util.Objects;

/**
 * One typed plugin parameter.
 *
 * @param defaultValue a {@link Double}, {@link Long}, {@link String} or {@link Boolean} matching
 *     {@code type}; {@code null} makes the parameter required
 * @param minimum inclusive lower bound for numbers and integers, or {@code null}
 * @param maximum inclusive upper bound for numbers and integers, or {@code null}
 */
public record ParameterSpec(
        String name,
        ParameterType type,
        Object defaultValue,
        Double minimum,
        Double maximum,
        List<String> allowedValues,
        String doc) {

    public ParameterSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        allowedValues = allowedValues == null ? List.of() : List.copyOf(allowedValues);
        doc = doc == null ? "" : doc;
        if (type == ParameterType.ENUM && allowedValues.isEmpty()) {
            throw new IllegalArgumentException("ENUM parameter " + name + " needs allowed values");
        }
    }

    public boolean required() {
        return defaultValue == null;
    }

    public static ParameterSpec number(String name, Double defaultValue, Double min, Double max, String doc) {
        return new ParameterSpec(name, ParameterType.NUMBER, defaultValue, min, max, List.of(), doc);
    }

    public static ParameterSpec integer(String name, Long defaultValue, Long min, Long max, String doc) {
        return new ParameterSpec(name, ParameterType.INTEGER, defaultValue,
                min == null ? null : min.doubleValue(), max == null ? null : max.doubleValue(), List.of(), doc);
    }

    public static ParameterSpec bool(String name, Boolean defaultValue, String doc) {
        return new ParameterSpec(name, ParameterType.BOOLEAN, defaultValue, null, null, List.of(), doc);
    }

    public static ParameterSpec string(String name, String defaultValue, String doc) {
        return new ParameterSpec(name, ParameterType.STRING, defaultValue, null, null, List.of(), doc);
    }

    public static ParameterSpec choice(String name, String defaultValue, List<String> allowed, String doc) {
        return new ParameterSpec(name, ParameterType.ENUM, defaultValue, null, null, allowed, doc);
    }
}
