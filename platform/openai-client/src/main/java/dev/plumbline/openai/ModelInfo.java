package dev.plumbline.openai;

/**
 * One entry of {@code GET /models}.
 *
 * @param ownedBy empty when the endpoint does not say
 * @param contextLength from {@code max_model_len} (vLLM) or {@code context_length}; 0 when the endpoint does not say
 */
public record ModelInfo(String id, String ownedBy, long contextLength) {}
