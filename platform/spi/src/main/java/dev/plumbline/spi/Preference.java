package dev.plumbline.spi;

public enum Preference {
    A,
    B,
    TIE
}
