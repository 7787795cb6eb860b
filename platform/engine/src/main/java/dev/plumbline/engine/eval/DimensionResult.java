package dev.plumbline.engine.eval;

import dev.plumbline.spi.Preference;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.VerdictStatus;
import java.util.Map;

/**
 * One dimension's verdict about a sample. Only a {@code VALID} result has a value; failures keep
 * their error and are counted, never scored.
 *
 * @param judge judge plugin id ({@code choice-loglikelihood} for the harness's own scorer)
 * @param configHash hash of the dimension's judge, parameters, value and turn; a rerun rejudges
 *     (without regenerating) when the suite's dimension changed
 * @param value the dimension's number (the verdict value the suite names), {@code null} unless VALID
 * @param values every value the judge returned
 * @param pairwise the comparison, for pairwise dimensions
 */
public record DimensionResult(
        String judge,
        String configHash,
        VerdictStatus status,
        Double value,
        Map<String, Double> values,
        String explanation,
        Provenance provenance,
        String error,
        Pairwise pairwise) {

    public DimensionResult {
        values = values == null ? Map.of() : Map.copyOf(values);
        explanation = explanation == null ? "" : explanation;
        error = error == null ? "" : error;
        if (status == VerdictStatus.VALID && value == null) {
            throw new IllegalArgumentException("a VALID result has a value");
        }
        if (status != VerdictStatus.VALID && value != null) {
            throw new IllegalArgumentException("a " + status + " result carries no value");
        }
    }

    public boolean valid() {
        return status == VerdictStatus.VALID;
    }

    /**
     * @param opponent who the candidate was compared with (the baseline's model name)
     * @param preference {@code A} = the candidate, {@code B} = the opponent
     * @param probabilityA P(candidate better), averaged over both presentation orders
     * @param positionConsistent whether both orders picked the same winner
     */
    public record Pairwise(String opponent, Preference preference, Double probabilityA, boolean positionConsistent) {}
}
