package dev.plumbline.spi;

import java.util.Map;

/** A judge's answer about one sample. Values are present only when {@link #status()} is VALID. */
public record Verdict(
        String sampleId,
        VerdictStatus status,
        Map<String, Double> values,
        String explanation,
        Provenance provenance,
        String error) {

    public Verdict {
        values = values == null ? Map.of() : Map.copyOf(values);
        explanation = explanation == null ? "" : explanation;
        error = error == null ? "" : error;
        if (status != VerdictStatus.VALID && !values.isEmpty()) {
            throw new IllegalArgumentException("a " + status + " verdict carries no values");
        }
    }

    public static Verdict valid(String sampleId, Map<String, Double> values, String explanation, Provenance p) {
        return new Verdict(sampleId, VerdictStatus.VALID, values, explanation, p, "");
    }

    public static Verdict failed(String sampleId, VerdictStatus status, String error, Provenance p) {
        if (status == VerdictStatus.VALID) {
            throw new IllegalArgumentException("failed() needs a failure status");
        }
        return new Verdict(sampleId, status, Map.of(), "", p, error);
    }

    public boolean isValid() {
        return status == VerdictStatus.VALID;
    }
}
