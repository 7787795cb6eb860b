package dev.plumbline.spi.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * Outcome advantages computed within groups of completions of one prompt. Groups are contiguous
 * blocks of {@code groupSize} rows, as TRL's {@code RepeatSampler} emits them. Rewards are
 * per-sequence and carry no gradient (the caller passes constants).
 */
public final class GroupRelativeAdvantages {

    /** {@code torch.isclose(std, 0)} with default tolerances: {@code |std| <= 1e-8}. */
    private static final double ZERO_STD_TOLERANCE = 1e-8;

    private GroupRelativeAdvantages() {
    }

    /** Which standard deviation divides the centred rewards (TRL {@code scale_rewards}). */
    public enum ScaleRewards {
        /** Bessel std within each group (TRL default, {@code True}; verl and OpenRLHF group_norm). */
        GROUP("group"),
        /** Bessel std over the whole batch (TRL "batch", Dr.GRPO-style robustness to tiny group std). */
        BATCH("batch"),
        /** No division (TRL "none"/{@code False}; Dr.GRPO; verl {@code norm_adv_by_std_in_grpo=False}). */
        NONE("none");

        private final String parameterValue;

        ScaleRewards(String parameterValue) {
            this.parameterValue = parameterValue;
        }

        public String parameterValue() {
            return parameterValue;
        }

        public static List<String> parameterValues() {
            return Arrays.stream(values()).map(ScaleRewards::parameterValue).toList();
        }

        public static ScaleRewards fromParameter(String value) {
            for (ScaleRewards s : values()) {
                if (s.parameterValue.equals(value)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown scale_rewards " + value);
        }
    }

    /**
     * GRPO advantages and the statistics TRL logs with them.
     *
     * @param advantages {@code [N]}
     * @param rowMean the group mean of each row {@code [N]}
     * @param rowStd the std each row was (or, for {@link ScaleRewards#NONE}, would be) divided by:
     *     the group std for GROUP and NONE, the batch std for BATCH {@code [N]}
     */
    public record Normalized(NDArray advantages, NDArray rowMean, NDArray rowStd) {

        /** TRL {@code reward}: mean reward of the batch. */
        public double reward() {
            return Metrics.scalar(rowMean.toType(DataType.FLOAT64, false).mean());
        }

        /** TRL {@code reward_std}: mean of the per-row std. */
        public double rewardStd() {
            return Metrics.scalar(rowStd.toType(DataType.FLOAT64, false).mean());
        }

        /** TRL {@code frac_reward_zero_std}: fraction of rows whose std is 0 (isclose). */
        public double fracRewardZeroStd() {
            return Metrics.scalar(rowStd.abs().lte(ZERO_STD_TOLERANCE).toType(DataType.FLOAT64, false).mean());
        }
    }

    /**
     * TRL {@code _generate_and_score_completions}: {@code A = R - mean_g}, divided by
     * {@code (std + stdEpsilon)} unless {@code scale} is NONE. TRL uses {@code stdEpsilon = 1e-4},
     * verl {@code 1e-6}, OpenRLHF {@code 1e-9}.
     *
     * @param rewards {@code [N]} with {@code N % groupSize == 0} and {@code groupSize >= 2}
     */
    public static Normalized normalized(NDArray rewards, int groupSize, ScaleRewards scale, double stdEpsilon) {
        long n = checkGroups(rewards, groupSize);
        NDArray grouped = rewards.reshape(new Shape(n / groupSize, groupSize));
        NDArray groupMean = grouped.mean(new int[] {1}, true);
        NDArray groupStd = unbiasedStd(grouped, 1);
        NDArray rowMean = groupMean.repeat(1, groupSize).reshape(new Shape(n));
        NDArray rowGroupStd = groupStd.repeat(1, groupSize).reshape(new Shape(n));
        NDArray rowStd = scale == ScaleRewards.BATCH
                ? rewards.zerosLike().add(unbiasedStd(rewards.reshape(new Shape(1, n)), 1).reshape(new Shape()))
                : rowGroupStd;
        NDArray centered = rewards.sub(rowMean);
        NDArray advantages = scale == ScaleRewards.NONE ? centered
                : centered.div(rowStd.add(Scalars.of(rowStd, stdEpsilon)));
        return new Normalized(advantages, rowMean, rowStd);
    }

    /**
     * Leave-one-out baselines (RLOO; TRL {@code rloo_trainer.py}, verl
     * {@code compute_rloo_outcome_advantage}): {@code b_i = (sum_g R - R_i) / (G - 1)},
     * {@code A_i = R_i - b_i}.
     *
     * @param baselines {@code [N]}
     * @param advantages {@code [N]}
     */
    public record LeaveOneOut(NDArray baselines, NDArray advantages) {
    }

    public static LeaveOneOut leaveOneOut(NDArray rewards, int groupSize) {
        long n = checkGroups(rewards, groupSize);
        NDArray grouped = rewards.reshape(new Shape(n / groupSize, groupSize));
        NDArray groupSum = grouped.sum(new int[] {1}, true).repeat(1, groupSize).reshape(new Shape(n));
        NDArray baselines = groupSum.sub(rewards).div(Scalars.of(rewards, groupSize - 1.0));
        return new LeaveOneOut(baselines, rewards.sub(baselines));
    }

    /** The Bessel-corrected std of each group, repeated per row {@code [N]}. */
    public static NDArray groupStdPerRow(NDArray rewards, int groupSize) {
        long n = checkGroups(rewards, groupSize);
        NDArray grouped = rewards.reshape(new Shape(n / groupSize, groupSize));
        return unbiasedStd(grouped, 1).repeat(1, groupSize).reshape(new Shape(n));
    }

    /** Bessel-corrected std along {@code axis}, keeping the axis ({@code torch.std(dim, keepdim=True)}). */
    public static NDArray unbiasedStd(NDArray x, int axis) {
        long n = x.getShape().get(axis);
        NDArray mean = x.mean(new int[] {axis}, true);
        return x.sub(mean).square().sum(new int[] {axis}, true).div(Scalars.of(x, n - 1.0)).sqrt();
    }

    private static long checkGroups(NDArray rewards, int groupSize) {
        if (rewards.getShape().dimension() != 1) {
            throw new IllegalArgumentException("rewards must be 1-D, got " + rewards.getShape());
        }
        long n = rewards.getShape().get(0);
        if (groupSize < 2 || n % groupSize != 0) {
            throw new IllegalArgumentException("group size " + groupSize + " must be >= 2 and divide " + n);
        }
        return n;
    }
}
