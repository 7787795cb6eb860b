package dev.plumbline.server.eval;

import java.util.List;
import java.util.Map;

/**
 * An evaluation as it was requested, stored as the run's {@code config_json} so a restarted server
 * can plan it again and continue.
 *
 * @param suite a built-in suite id, or a path to a suite YAML file
 * @param seed overrides the suite's generation seed when non-zero
 * @param limit items taken from each data file at most (0 = all)
 * @param parameters overrides: {@code generation.<setting>} (temperature, max_new_tokens, top_p, top_k,
 *     samples) and {@code <judge id>.<parameter>} (e.g. {@code llm-pairwise.base_url})
 * @param datasetsDir where external data sets live; {@code null} = {@code plumbline.datasets-dir}
 */
public record EvaluationConfig(
        String suite,
        List<CandidateConfig> candidates,
        long seed,
        int limit,
        Map<String, Object> parameters,
        String name,
        String datasetsDir) {

    public EvaluationConfig {
        candidates = candidates == null ? List.of() : List.copyOf(candidates);
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        name = name == null ? "" : name;
    }

    /**
     * One candidate: exactly one of {@code model} and {@code responsesFile}.
     *
     * @param name leaderboard name (defaults to the model id)
     */
    public record CandidateConfig(String name, String model, String responsesFile) {}
}
