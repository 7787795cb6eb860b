package dev.plumbline.plugin.rloo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.ClippedPolicyLoss;
import dev.plumbline.spi.loss.GroupRelativeAdvantages;
import dev.plumbline.spi.loss.KlEstimator;
import dev.plumbline.spi.loss.MaskedStatistics;
import dev.plumbline.spi.loss.Metrics;
import dev.plumbline.spi.loss.Scalars;
import dev.plumbline.spi.loss.TensorChecks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * REINFORCE Leave-One-Out — TRL {@code trl/trainer/rloo_trainer.py::RLOOTrainer}
 * ({@code _generate_and_score_completions}, {@code _compute_loss}; defaults from {@code RLOOConfig}).
 *
 * <pre>
 * R_i     -= beta * sum_t (old_logp - ref_logp)_t m_t        k1 KL folded into the reward BEFORE the baseline
 * b_i      = (sum_group R - R_i) / (G - 1)                    leave-one-out baseline;  A_i = R_i - b_i
 * [A       = (A - mean A) / (std A + 1e-4)                    if normalize_advantages]
 * r_i      = exp(sum_t logp m - sum_t old_logp m)             ONE ratio per sequence
 * loss     = mean_i -min(r A, clip(r, 1 - eps_low, 1 + eps_high) A) / gradient_accumulation_steps
 * </pre>
 *
 * Unlike GRPO's k3 in the loss, RLOO's KL is k1 (can be negative per token) in the reward, on purpose
 * (TRL #5889); verl's {@code (R - mean) G/(G-1)} gives the same advantages.
 */
public final class RlooAlgorithm implements Algorithm {

    static final String BETA = "beta";
    static final String EPSILON = "epsilon";
    static final String EPSILON_HIGH = "epsilon_high";
    static final String NUM_GENERATIONS = "num_generations";
    static final String NORMALIZE_ADVANTAGES = "normalize_advantages";
    static final String GRADIENT_ACCUMULATION_STEPS = "gradient_accumulation_steps";

    static final String LOGPS = "logps";
    static final String OLD_LOGPS = "old_logps";
    static final String REF_LOGPS = "ref_logps";
    static final String MASK = "mask";
    static final String REWARDS = "rewards";

    /** TRL's epsilon of {@code normalize_advantages}. */
    private static final double NORMALIZE_EPSILON = 1e-4;
    private static final double ZERO_STD_TOLERANCE = 1e-8;

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number(BETA, 0.05, 0.0, 1000.0,
                    "coefficient of the k1 KL penalty subtracted from each sequence's reward (0: no reference model)"),
            ParameterSpec.number(EPSILON, 0.2, 0.0, 10.0, "lower clip epsilon of the sequence ratio"),
            ParameterSpec.number(EPSILON_HIGH, 0.0, 0.0, 10.0, "upper clip epsilon; 0 means equal to epsilon (TRL None)"),
            ParameterSpec.integer(NUM_GENERATIONS, 2L, 2L, 1_000_000L,
                    "group size G: rows are contiguous groups of G completions of one prompt; must divide the batch"),
            ParameterSpec.bool(NORMALIZE_ADVANTAGES, false,
                    "standardise the advantages over the batch: (A - mean) / (std + 1e-4)"),
            ParameterSpec.integer(GRADIENT_ACCUMULATION_STEPS, 1L, 1L, 1_000_000L,
                    "the loss is divided by it, as the HF Trainer does for RLOO"));

    private static final List<TensorSpec> TENSORS = List.of(
            TensorSpec.input(LOGPS, List.of("B", "T"),
                    "log pi(y_t|...) of each completion token under the policy (logits / sampling temperature)"),
            TensorSpec.constant(OLD_LOGPS, List.of("B", "T"), "log-probs of the completion tokens at generation time"),
            TensorSpec.constant(REF_LOGPS, List.of("B", "T"),
                    "reference model log-probs of the completion tokens; required when beta > 0").optional(),
            TensorSpec.constant(MASK, List.of("B", "T"),
                    "completion mask (1 up to EOS, 0 on padding); default all ones").optional(),
            TensorSpec.constant(REWARDS, List.of("B"),
                    "reward of each completion (weighted sum over reward functions), before the KL penalty"));

    @Override
    public String id() {
        return "rloo";
    }

    @Override
    public String description() {
        return "REINFORCE Leave-One-Out: leave-one-out baseline on KL-penalised rewards, sequence-level clipped loss";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    @Override
    public List<TensorSpec> tensors() {
        return TENSORS;
    }

    @Override
    public LossOutput loss(LossInput input) {
        Parameters p = input.parameters();
        NDArray logps = input.tensor(LOGPS);
        NDArray oldLogps = input.tensor(OLD_LOGPS);
        NDArray rewards = input.tensor(REWARDS);
        long batch = logps.getShape().get(0);
        int groupSize = p.intValue(NUM_GENERATIONS);
        if (batch % groupSize != 0) {
            throw new InvalidInputException("parameters." + NUM_GENERATIONS, "group size " + groupSize
                    + " does not divide the batch of " + batch + " completions (tensors." + REWARDS + ")");
        }
        NDArray mask;
        if (input.has(MASK)) {
            TensorChecks.requireBinary(input, MASK);
            mask = input.tensor(MASK);
        } else {
            mask = logps.onesLike().stopGradient();
        }
        double beta = p.number(BETA);
        Metrics.Builder metrics = Metrics.builder();
        Map<String, NDArray> outputs = new LinkedHashMap<>();

        NDArray penalized = rewards;
        if (beta != 0.0) {
            if (!input.has(REF_LOGPS)) {
                throw new InvalidInputException("tensors." + REF_LOGPS, "required when beta > 0 (got " + beta + ")");
            }
            NDArray perTokenKl = KlEstimator.K1.estimate(oldLogps, input.tensor(REF_LOGPS));
            penalized = rewards.sub(MaskedStatistics.sum(perTokenKl, mask, 1, false).mul(Scalars.of(rewards, beta)));
            metrics.put(Metrics.KL, MaskedStatistics.mean(perTokenKl, mask));
        }
        GroupRelativeAdvantages.LeaveOneOut loo = GroupRelativeAdvantages.leaveOneOut(penalized, groupSize);
        NDArray advantages = loo.advantages();
        if (p.bool(NORMALIZE_ADVANTAGES)) {
            NDArray centered = advantages.sub(advantages.mean());
            NDArray std = GroupRelativeAdvantages.unbiasedStd(advantages.expandDims(0), 1).squeeze();
            advantages = centered.div(std.add(Scalars.of(std, NORMALIZE_EPSILON)));
        }

        NDArray logRatio = MaskedStatistics.sum(logps, mask, 1, false).sub(MaskedStatistics.sum(oldLogps, mask, 1, false));
        double epsilonLow = p.number(EPSILON);
        double epsilonHigh = p.number(EPSILON_HIGH) == 0.0 ? epsilonLow : p.number(EPSILON_HIGH);
        ClippedPolicyLoss.Result policy = ClippedPolicyLoss.compute(logRatio, advantages,
                new ClippedPolicyLoss.Clip(epsilonLow, epsilonHigh, 0.0, 0.0, 0.0));
        NDArray loss = policy.loss().mean()
                .div(Scalars.of(logRatio, p.integer(GRADIENT_ACCUMULATION_STEPS)));

        NDArray raw = rewards.toType(DataType.FLOAT64, false);
        NDArray groupStd = GroupRelativeAdvantages.groupStdPerRow(penalized, groupSize);
        double low = Metrics.scalar(policy.lowClipped().mean());
        double high = Metrics.scalar(policy.highClipped().mean());
        metrics.put(Metrics.REWARD, raw.mean())
                .put(Metrics.REWARD_STD, GroupRelativeAdvantages.unbiasedStd(raw.expandDims(0), 1).squeeze())
                .put(Metrics.FRAC_REWARD_ZERO_STD,
                        groupStd.abs().lte(ZERO_STD_TOLERANCE).toType(DataType.FLOAT64, false).mean())
                .put(Metrics.CLIP_RATIO_LOW_MEAN, low)
                .put(Metrics.CLIP_RATIO_LOW_MIN, low)
                .put(Metrics.CLIP_RATIO_HIGH_MEAN, high)
                .put(Metrics.CLIP_RATIO_HIGH_MAX, high)
                .put(Metrics.CLIP_RATIO_REGION_MEAN, low + high);

        outputs.put("kl_penalized_rewards", penalized);
        outputs.put("baselines", loo.baselines());
        outputs.put("advantages", advantages);
        outputs.put("per_sequence_loss", policy.loss());
        outputs.put("ratio", policy.ratio().stopGradient());
        return new LossOutput(loss, metrics.build(), outputs);
    }
}
