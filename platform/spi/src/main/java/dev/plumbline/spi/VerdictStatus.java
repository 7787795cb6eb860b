package dev.plumbline.spi;

/** Only {@link #VALID} verdicts carry values; the others are failures and are never scores. */
public enum VerdictStatus {
    VALID,
    /** The judge answered but the answer could not be parsed. */
    UNPARSEABLE,
    /** The judge refused to judge. */
    REFUSED,
    /** The judge could not be reached or failed. */
    ERROR
}
