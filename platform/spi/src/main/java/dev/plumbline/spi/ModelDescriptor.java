package dev.plumbline.spi;

import java.util.Map;

/** A model a {@link ModelProvider} can open. */
public record ModelDescriptor(
        String id, String provider, String description, long contextLength, Map<String, String> metadata) {

    public ModelDescriptor {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
