package dev.plumbline.engine.eval;

/**
 * Where a run stands.
 *
 * @param done samples with a final record (including {@code reused})
 * @param total samples the plan has
 * @param reused samples taken from the store without any work (resume)
 * @param generationFailures samples whose responses could not be obtained (so far)
 * @param judgeFailures failed verdicts (so far), over all dimensions
 */
public record RunProgress(int done, int total, int reused, int generationFailures, int judgeFailures) {

    public double fraction() {
        return total == 0 ? 1.0 : (double) done / total;
    }
}
