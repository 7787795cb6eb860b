package dev.plumbline.engine.eval;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One candidate's aggregates.
 *
 * @param planned samples the plan has for this candidate (items × k)
 * @param recorded samples with a record (less than planned after a cancelled run)
 * @param generationFailures recorded samples without responses
 * @param judged valid verdicts per dimension
 * @param judgeFailures failed verdicts per dimension (excluded from every metric)
 */
public record CandidateResult(
        String candidateId,
        ModelIdentity identity,
        List<MetricResult> metrics,
        int planned,
        int recorded,
        int generationFailures,
        Map<String, Integer> judged,
        Map<String, Integer> judgeFailures) {

    public CandidateResult {
        metrics = List.copyOf(metrics);
        judged = Map.copyOf(judged);
        judgeFailures = Map.copyOf(judgeFailures);
    }

    public Optional<MetricResult> metric(String name) {
        return metrics.stream().filter(m -> m.name().equals(name)).findFirst();
    }
}
