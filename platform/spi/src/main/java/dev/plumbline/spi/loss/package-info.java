/**
 * Shared building blocks of alignment losses, written once with DJL {@code NDArray} operations so
 * autograd gives gradients: stable math ({@link dev.plumbline.spi.loss.StableMath}), KL estimators
 * ({@link dev.plumbline.spi.loss.KlEstimator}), loss aggregation modes
 * ({@link dev.plumbline.spi.loss.LossAggregation}), masked statistics and whitening
 * ({@link dev.plumbline.spi.loss.MaskedStatistics}), advantage estimators
 * ({@link dev.plumbline.spi.loss.GroupRelativeAdvantages},
 * {@link dev.plumbline.spi.loss.GeneralizedAdvantageEstimation}), the clipped policy loss
 * ({@link dev.plumbline.spi.loss.ClippedPolicyLoss}) and metric helpers. Constants enter the
 * arithmetic as {@link dev.plumbline.spi.loss.Scalars#of} arrays, never as Java numbers (see there).
 * Formulas, defaults and metric names follow {@code shared/reference/algorithms.md}. Depends on the
 * DJL api only.
 */
package dev.plumbline.spi.loss;
