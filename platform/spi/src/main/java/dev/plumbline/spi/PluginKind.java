package dev.plumbline.spi;

/** What a plugin does; each kind has its own service interface in this package. */
public enum PluginKind {
    /** {@link Algorithm}: an alignment loss. */
    ALGORITHM,
    /** {@link Judge}: scores responses or preferences. */
    JUDGE,
    /** {@link ModelProvider}: lists and opens language models. */
    MODEL_PROVIDER
}
