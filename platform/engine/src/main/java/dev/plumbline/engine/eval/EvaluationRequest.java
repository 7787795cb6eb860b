package dev.plumbline.engine.eval;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What to evaluate.
 *
 * @param datasetsDir the shared datasets directory ({@code null}: none, so built-in sets are used)
 * @param selection built-in or external prompt set ({@link DatasetSelection#AUTO} picks external when every file exists)
 * @param limit items taken from each data file at most ({@code 0} = all), for smoke runs; recorded in the manifest
 * @param judgeParameters per judge id, parameters laid over the suite's (deployment settings such as an
 *     LLM judge's {@code base_url} and {@code model}); recorded in the manifest and in each verdict's config hash
 */
public record EvaluationRequest(
        Suite suite,
        List<CandidateSpec> candidates,
        Path datasetsDir,
        DatasetSelection selection,
        int limit,
        Map<String, Map<String, Object>> judgeParameters) {

    public EvaluationRequest {
        candidates = List.copyOf(candidates);
        judgeParameters = judgeParameters == null ? Map.of() : Map.copyOf(judgeParameters);
        selection = selection == null ? DatasetSelection.AUTO : selection;
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0");
        }
    }

    public static EvaluationRequest of(Suite suite, List<CandidateSpec> candidates, Path datasetsDir) {
        return new EvaluationRequest(suite, candidates, datasetsDir, DatasetSelection.AUTO, 0, Map.of());
    }
}
