package dev.plumbline.openai;

/** Token counts the endpoint reported for one request. */
public record Usage(int promptTokens, int completionTokens, int totalTokens) {}
