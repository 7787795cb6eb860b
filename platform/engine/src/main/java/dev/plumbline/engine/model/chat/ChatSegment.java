package dev.plumbline.engine.model.chat;

/**
 * A piece of a rendered conversation. {@code assistant} marks an assistant reply together with the
 * marker that ends it: what SFT trains on and what a model must produce.
 */
public record ChatSegment(String text, boolean assistant) {}
