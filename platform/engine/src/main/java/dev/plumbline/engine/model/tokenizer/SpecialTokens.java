package dev.plumbline.engine.model.tokenizer;

/**
 * A tokenizer's special tokens; any may be absent ({@code null}).
 *
 * @param bos beginning-of-sequence token text, e.g. {@code <s>}
 * @param eos end-of-sequence token text, e.g. {@code </s>}
 */
public record SpecialTokens(String bos, Long bosId, String eos, Long eosId, String pad, Long padId) {}
