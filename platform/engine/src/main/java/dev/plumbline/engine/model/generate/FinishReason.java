package dev.plumbline.engine.model.generate;

/** Why a row stopped generating. */
public enum FinishReason {
    /** The model produced a stop token (EOS, end of turn). */
    STOP_TOKEN,
    /** The text reached one of the stop sequences. */
    STOP_SEQUENCE,
    /** Max new tokens, or the model's context, ran out. */
    LENGTH
}
