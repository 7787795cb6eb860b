package dev.plumbline.spi;

import java.util.List;

/**
 * Scores responses (pointwise) and/or prefers one of two (pairwise). Every verdict has a status;
 * a failed judgement is returned as a failed verdict, never as a score. Implementations must be
 * safe to call from several threads.
 */
public interface Judge extends Plugin {

    @Override
    default PluginKind kind() {
        return PluginKind.JUDGE;
    }

    default boolean pointwise() {
        return true;
    }

    default boolean pairwise() {
        return false;
    }

    /** One verdict per sample, in order. */
    default List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
        throw new InvalidInputException("judge", "judge '" + id() + "' does not score single responses");
    }

    /** One verdict per pair, in order. */
    default List<PairwiseVerdict> compare(List<ComparisonPair> pairs, Parameters parameters) {
        throw new InvalidInputException("judge", "judge '" + id() + "' does not compare pairs");
    }
}
