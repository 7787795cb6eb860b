package dev.plumbline.spi;

/** Enough to reproduce a verdict: judge id and version, rubric or template hash, model. */
public record Provenance(String judgeId, String judgeVersion, String rubricHash, String model) {}
