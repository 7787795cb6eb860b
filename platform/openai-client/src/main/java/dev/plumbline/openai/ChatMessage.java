package dev.plumbline.openai;

/** One chat message; role is {@code system}, {@code user} or {@code assistant}. */
public record ChatMessage(String role, String content) {}
