package dev.plumbline.engine.eval;

import dev.plumbline.engine.stats.Battle;
import dev.plumbline.engine.stats.Estimate;
import dev.plumbline.spi.Preference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of a run: manifest, per-candidate aggregates (ordered best first on the primary
 * metric), CI-separation ranking and every sample record. Export with {@link ReportWriters}.
 */
public record EvaluationReport(
        RunManifest manifest,
        List<CandidateResult> candidates,
        List<Ranking> ranking,
        List<SampleRecord> samples) {

    public EvaluationReport {
        candidates = List.copyOf(candidates);
        ranking = List.copyOf(ranking);
        samples = List.copyOf(samples);
    }

    public Optional<CandidateResult> candidate(String id) {
        return candidates.stream().filter(c -> c.candidateId().equals(id)).findFirst();
    }

    /** Leaderboard input for pointwise suites: each candidate's primary-metric estimate (missing ones left out). */
    public Map<String, Estimate> primaryEstimates() {
        Map<String, Estimate> out = new LinkedHashMap<>();
        for (Ranking r : ranking) {
            if (r.primary() != null) {
                out.put(r.candidateId(), r.primary());
            }
        }
        return out;
    }

    /**
     * Leaderboard input for Bradley–Terry: one battle per valid pairwise verdict, candidate as
     * {@code modelA} against the opponent (the baseline's model name), outcome 1 / 0.5 / 0 from the
     * judge's both-orders preference (inconsistent orders are already a tie).
     */
    public List<Battle> battles() {
        List<Battle> out = new ArrayList<>();
        for (SampleRecord r : samples) {
            for (DimensionResult d : r.dimensions().values()) {
                if (!d.valid() || d.pairwise() == null || d.pairwise().opponent().isEmpty()
                        || d.pairwise().opponent().equals(r.key().candidateId())) {
                    continue;
                }
                Preference p = d.pairwise().preference();
                double outcome = p == Preference.A ? Battle.A_WINS : p == Preference.B ? Battle.B_WINS : Battle.TIE;
                out.add(new Battle(r.key().candidateId(), d.pairwise().opponent(), outcome));
            }
        }
        return out;
    }
}
