package dev.plumbline.engine.eval;

/**
 * A data file a run read, for the manifest.
 *
 * @param path relative to the datasets directory, or a {@code classpath:} location for built-in sets
 * @param items items taken from it
 */
public record DataFile(String path, String sha256, int items) {}
