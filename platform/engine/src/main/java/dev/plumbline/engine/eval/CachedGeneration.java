package dev.plumbline.engine.eval;

/** A model's answer to one call, as the {@link GenerationCache} keeps it. */
public record CachedGeneration(String text, int promptTokens, int completionTokens, boolean finishedByLength) {}
