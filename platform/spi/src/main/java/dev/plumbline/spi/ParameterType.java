package dev.plumbline.spi;

/** The value type of a {@link ParameterSpec}. */
public enum ParameterType {
    NUMBER,
    INTEGER,
    STRING,
    BOOLEAN,
    /** A string restricted to {@link ParameterSpec#allowedValues()}. */
    ENUM
}
