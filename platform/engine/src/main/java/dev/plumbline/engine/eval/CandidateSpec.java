package dev.plumbline.engine.eval;

import java.nio.file.Path;

/** Who is evaluated: a model the caller can open, or a file of responses written elsewhere. */
public sealed interface CandidateSpec permits CandidateSpec.Model, CandidateSpec.Responses {

    /** How the candidate is named in records, reports and leaderboards. */
    String id();

    /**
     * A model resolved through the caller's {@code Function<String, LanguageModel>}.
     *
     * @param model what the resolver understands, e.g. {@code openai:gpt-4o-mini} or {@code local:tiny}
     */
    record Model(String id, String model) implements CandidateSpec {}

    /**
     * Precomputed responses: JSONL with {@code id} or {@code prompt}, and {@code response} (or
     * {@code responses}, one per turn); optional {@code sample} index for k > 1.
     */
    record Responses(String id, Path file) implements CandidateSpec {}

    static CandidateSpec model(String model) {
        return new Model(model, model);
    }

    static CandidateSpec responses(String id, Path file) {
        return new Responses(id, file);
    }
}
