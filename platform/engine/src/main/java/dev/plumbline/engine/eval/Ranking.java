package dev.plumbline.engine.eval;

import dev.plumbline.engine.stats.Estimate;

/**
 * A candidate's place on the suite's primary metric.
 *
 * @param rank 1 + the number of candidates whose interval lies entirely on the better side of
 *     this one's (Chatbot Arena's CI-separation rank: overlapping candidates share a rank);
 *     {@code 0} when the candidate has no primary value
 * @param primary the primary metric's estimate ({@code null} when missing)
 */
public record Ranking(String candidateId, int rank, Estimate primary) {}
