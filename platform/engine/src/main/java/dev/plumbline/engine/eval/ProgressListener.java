package dev.plumbline.engine.eval;

/**
 * Run callbacks. Calls are serialised (never concurrent) but come from worker threads; keep them
 * quick. The server streams them as progress events.
 */
public interface ProgressListener {

    ProgressListener NONE = new ProgressListener() {};

    /** Before any work: totals, and how many samples the store already had. */
    default void started(EvaluationPlan plan, RunProgress progress) {}

    /** After each sample's record is saved. */
    default void sampleCompleted(SampleRecord record, RunProgress progress) {}

    /** When every sample of a candidate has its record: the candidate's metrics with intervals. */
    default void candidateSettled(CandidateResult result) {}
}
