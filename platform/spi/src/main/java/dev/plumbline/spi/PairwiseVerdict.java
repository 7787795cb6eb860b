package dev.plumbline.spi;

import java.util.Map;

/**
 * A pairwise judge's answer.
 *
 * @param probabilityA probability that A is better, or {@code NaN} when the judge gives none
 * @param positionConsistent whether both presentation orders gave the same winner
 */
public record PairwiseVerdict(
        String pairId,
        VerdictStatus status,
        Preference preference,
        double probabilityA,
        boolean positionConsistent,
        Map<String, Double> values,
        String explanation,
        Provenance provenance,
        String error) {

    public PairwiseVerdict {
        values = values == null ? Map.of() : Map.copyOf(values);
        explanation = explanation == null ? "" : explanation;
        error = error == null ? "" : error;
        if (status != VerdictStatus.VALID && preference != null) {
            throw new IllegalArgumentException("a " + status + " pairwise verdict has no preference");
        }
    }

    public static PairwiseVerdict failed(String pairId, VerdictStatus status, String error, Provenance p) {
        return new PairwiseVerdict(pairId, status, null, Double.NaN, false, Map.of(), "", p, error);
    }
}
