package dev.plumbline.engine.eval;

import dev.plumbline.engine.judge.GuardedJudge;
import dev.plumbline.spi.LanguageModel;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated run: the suite, its items, every candidate resolved and every judge resolved with
 * its parameters. Building a plan ({@link EvaluationRunner#plan}) is where all input errors
 * surface, before anything is generated. A plan does not own the models the resolver returned:
 * whoever opened them closes them.
 *
 * @param samplesPerCandidate items × k
 */
public record EvaluationPlan(
        Suite suite,
        LoadedDataset dataset,
        List<PlannedCandidate> candidates,
        List<PlannedDimension> dimensions,
        int samplesPerCandidate) {

    public EvaluationPlan {
        candidates = List.copyOf(candidates);
        dimensions = List.copyOf(dimensions);
    }

    public int totalSamples() {
        return samplesPerCandidate * candidates.size();
    }

    public Optional<PlannedCandidate> candidate(String id) {
        return candidates.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    /**
     * A candidate ready to answer.
     *
     * @param model the opened model ({@code null} for precomputed responses)
     * @param responses the response file ({@code null} for models)
     * @param matchedItems items the response file answers (all items for models)
     */
    public record PlannedCandidate(
            String id,
            CandidateSpec spec,
            ModelIdentity identity,
            LanguageModel model,
            PrecomputedResponses responses,
            int matchedItems) {}

    /**
     * A dimension with its judge resolved.
     *
     * @param judge {@code null} for the harness's choice scorer
     * @param parameters the judge parameters in effect: the suite's, overridden by the request's
     * @param judgeVersion the judge plugin's version ({@code 1} for the choice scorer)
     * @param configHash identifies judge + version + parameters + value + turn + category; stored
     *     verdicts with another hash are rejudged on resume
     */
    public record PlannedDimension(
            Suite.Dimension spec, GuardedJudge judge, Map<String, Object> parameters, String judgeVersion, String configHash) {

        public PlannedDimension {
            parameters = Map.copyOf(parameters);
        }

        public String name() {
            return spec.name();
        }

        public String judgeId() {
            return spec.kind() == Suite.DimensionKind.CHOICE ? EvaluationRunner.CHOICE_SCORER : spec.judge();
        }
    }
}
