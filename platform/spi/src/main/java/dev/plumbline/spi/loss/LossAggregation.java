package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;

/**
 * How a per-token loss matrix {@code [B, T]} becomes one scalar (algorithms.md §1.5, "the single
 * biggest source of cross-framework mismatch"). Names follow verl's {@code agg_loss} modes; the
 * TRL GRPO loss types map onto them as documented on each constant.
 */
public enum LossAggregation {

    /**
     * {@code mean_i( sum_t L*m / max(sum_t m, 1) )}: each sequence weighs the same, whatever its
     * length (original GRPO; TRL {@code loss_type="grpo"}, verl "seq-mean-token-mean").
     */
    SEQ_MEAN_TOKEN_MEAN,
    /**
     * {@code mean_i( sum_t L*m )} over all B rows (TRL {@code loss_type="luspo"}, TRL >= 1.10 form).
     */
    SEQ_MEAN_TOKEN_SUM,
    /**
     * {@code sum L*m / max(sum m, 1)} over this batch's tokens (TRL {@code bnpo}; verl "token-mean"
     * on one rank).
     */
    TOKEN_MEAN,
    /**
     * {@code sum L*m / normalizer} with a constant normaliser: TRL {@code dr_grpo} uses
     * {@code B * max_completion_length}, TRL {@code dapo} uses
     * {@code num_items_in_batch / num_processes} (verl "seq-mean-token-sum-norm").
     */
    TOKEN_SUM_NORM;

    /**
     * Aggregates {@code loss} over the positions where {@code mask} is 1.
     *
     * @param normalizer the constant divisor of {@link #TOKEN_SUM_NORM}; ignored by the others
     */
    public NDArray aggregate(NDArray loss, NDArray mask, double normalizer) {
        return switch (this) {
            case SEQ_MEAN_TOKEN_MEAN -> MaskedStatistics.mean(loss, mask, 1, false).mean();
            case SEQ_MEAN_TOKEN_SUM -> MaskedStatistics.sum(loss, mask, 1, false).mean();
            case TOKEN_MEAN -> MaskedStatistics.mean(loss, mask);
            case TOKEN_SUM_NORM -> {
                if (!(normalizer > 0)) {
                    throw new IllegalArgumentException("normalizer must be > 0, got " + normalizer);
                }
                yield MaskedStatistics.sum(loss, mask).div(Scalars.of(loss, normalizer));
            }
        };
    }
}
