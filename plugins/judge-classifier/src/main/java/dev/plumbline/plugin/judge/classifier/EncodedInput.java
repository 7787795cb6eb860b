package dev.plumbline.plugin.judge.classifier;

/**
 * One tokenized classifier input, unpadded.
 *
 * @param typeIds segment ids (0 for the prompt, 1 for the response in a pair encoding)
 * @param truncated whether the tokenizer cut the text to the maximum length
 * @param responseCutAway whether truncation left none of the response (a long chat-template conversation)
 */
record EncodedInput(long[] ids, long[] typeIds, boolean truncated, boolean responseCutAway) {

    int length() {
        return ids.length;
    }
}
