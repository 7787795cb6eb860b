package dev.plumbline.plugin.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.ClippedPolicyLoss;
import dev.plumbline.spi.loss.ClippedPolicyLoss.ImportanceSampling;
import dev.plumbline.spi.loss.GroupRelativeAdvantages;
import dev.plumbline.spi.loss.GroupRelativeAdvantages.ScaleRewards;
import dev.plumbline.spi.loss.KlClamp;
import dev.plumbline.spi.loss.KlEstimator;
import dev.plumbline.spi.loss.LossAggregation;
import dev.plumbline.spi.loss.MaskedStatistics;
import dev.plumbline.spi.loss.Metrics;
import dev.plumbline.spi.loss.Scalars;
import dev.plumbline.spi.loss.TensorChecks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Group Relative Policy Optimization — TRL {@code trl/trainer/grpo_trainer.py} ({@code
 * _generate_and_score_completions} for the advantages, {@code _compute_loss} for the loss; defaults
 * from {@code GRPOConfig}), with the DAPO, Dr.GRPO, BNPO and GSPO variants as parameters.
 *
 * <pre>
 * A_i      = (R_i - mean_group) / (std + std_epsilon)           (or given as the advantages tensor)
 * log w    = logp - old_logp per token, or its masked mean per sequence (GSPO)
 * l_t      = -min(r A, clip(r, 1 - eps_low, 1 + eps_high) A),  r = exp(log w)
 * l_t     += beta * k3_t                                         (k3 = exp(ref - logp) - (ref - logp) - 1)
 * loss     = aggregate(l, mask) by loss_type; grpo/bnpo/dr_grpo/luspo are divided by gradient accumulation
 * </pre>
 */
public final class GrpoAlgorithm implements Algorithm {

    static final String BETA = "beta";
    static final String EPSILON = "epsilon";
    static final String EPSILON_HIGH = "epsilon_high";
    static final String DELTA = "delta";
    static final String LOSS_TYPE = "loss_type";
    static final String IMPORTANCE_SAMPLING_LEVEL = "importance_sampling_level";
    static final String MAX_COMPLETION_LENGTH = "max_completion_length";
    static final String NUM_ITEMS_IN_BATCH = "num_items_in_batch";
    static final String NUM_PROCESSES = "num_processes";
    static final String GRADIENT_ACCUMULATION_STEPS = "gradient_accumulation_steps";
    static final String NUM_GENERATIONS = "num_generations";
    static final String SCALE_REWARDS = "scale_rewards";
    static final String STD_EPSILON = "std_epsilon";
    static final String KL_ESTIMATOR = "kl_estimator";
    static final String KL_CLAMP = "kl_clamp";
    static final String USE_BIAS_CORRECTION_KL = "use_bias_correction_kl";
    static final String ENTROPY_COEF = "entropy_coef";
    static final String DUAL_CLIP = "dual_clip";
    static final String LOG_RATIO_CLAMP = "log_ratio_clamp";

    static final String LOGPS = "logps";
    static final String OLD_LOGPS = "old_logps";
    static final String REF_LOGPS = "ref_logps";
    static final String MASK = "mask";
    static final String ADVANTAGES = "advantages";
    static final String REWARDS = "rewards";
    static final String ENTROPY = "entropy";

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number(BETA, 0.0, 0.0, 1000.0,
                    "KL coefficient; 0 (TRL default since 2025-05) needs no reference model and logs no kl metric;"
                            + " TRL's earlier default was 0.04, DeepSeek-R1 used 0.001"),
            ParameterSpec.number(EPSILON, 0.2, 0.0, 10.0, "lower clip epsilon: ratio >= 1 - epsilon"),
            ParameterSpec.number(EPSILON_HIGH, 0.0, 0.0, 10.0,
                    "upper clip epsilon (DAPO clip-higher recommends 0.28); 0 means equal to epsilon (TRL None)"),
            ParameterSpec.number(DELTA, 0.0, 0.0, 100.0,
                    "INTELLECT-2 two-sided clipping: cap of the unclipped ratio (recommended > 1 + epsilon_high); 0 disables"),
            ParameterSpec.choice(LOSS_TYPE, "dapo", List.of("grpo", "bnpo", "dr_grpo", "dapo", "luspo"),
                    "aggregation: grpo = mean over sequences of token means (length bias); bnpo = token mean of this"
                            + " batch; dr_grpo = token sum / (B * max_completion_length); dapo (TRL default) = token"
                            + " sum / (num_items_in_batch / num_processes); luspo = mean over sequences of token sums"),
            ParameterSpec.choice(IMPORTANCE_SAMPLING_LEVEL, "token", ImportanceSampling.parameterValues(),
                    "token: one ratio per token; sequence: GSPO, one ratio per sequence from the length-normalised"
                            + " log-ratio"),
            ParameterSpec.integer(MAX_COMPLETION_LENGTH, 512L, 1L, 1_000_000_000L,
                    "Dr.GRPO's constant normaliser per sequence (TRL GRPOConfig.max_completion_length)"),
            ParameterSpec.integer(NUM_ITEMS_IN_BATCH, 0L, 0L, 1_000_000_000_000L,
                    "dapo normaliser: completion tokens of the whole generation batch on all ranks; 0 uses this"
                            + " batch's token count"),
            ParameterSpec.integer(NUM_PROCESSES, 1L, 1L, 1_000_000L, "data-parallel ranks sharing num_items_in_batch"),
            ParameterSpec.integer(GRADIENT_ACCUMULATION_STEPS, 1L, 1L, 1_000_000L,
                    "grpo, bnpo, dr_grpo and luspo divide the loss by it (dapo does not: its normaliser already"
                            + " spans the generation batch)"),
            ParameterSpec.integer(NUM_GENERATIONS, 8L, 2L, 1_000_000L,
                    "group size G when rewards are given: rows are contiguous groups of G completions of one prompt;"
                            + " must divide the batch"),
            ParameterSpec.choice(SCALE_REWARDS, "group", ScaleRewards.parameterValues(),
                    "divide the centred rewards by the group std (TRL default), the batch std, or not at all"
                            + " (Dr.GRPO)"),
            ParameterSpec.number(STD_EPSILON, 1e-4, 0.0, 1.0,
                    "added to the std before dividing: TRL 1e-4, verl 1e-6, OpenRLHF 1e-9"),
            ParameterSpec.choice(KL_ESTIMATOR, "k3", KlEstimator.parameterValues(),
                    "per-token KL estimator added to the loss with beta: k3 (TRL, verl low_var_kl), k1, k2, abs"),
            ParameterSpec.choice(KL_CLAMP, "none", KlClamp.parameterValues(),
                    "none (TRL), verl (k3: log-ratio to +-20, estimate to +-10), openrlhf (estimate to +-10)"),
            ParameterSpec.bool(USE_BIAS_CORRECTION_KL, false,
                    "multiply the per-token KL by the importance ratio (TRL use_bias_correction_kl)"),
            ParameterSpec.number(ENTROPY_COEF, 0.0, 0.0, 10.0,
                    "entropy bonus: loss -= entropy_coef * entropy aggregated like the loss (needs the entropy tensor)"),
            ParameterSpec.number(DUAL_CLIP, 0.0, 0.0, 100.0,
                    "verl dual clip c (> 1, e.g. 3): for A < 0 the token loss is capped at -A c; 0 disables"),
            ParameterSpec.number(LOG_RATIO_CLAMP, 0.0, 0.0, 100.0,
                    "clamp the log importance weight to +-value before exp (verl/OpenRLHF 20); 0 disables (TRL)"));

    private static final List<TensorSpec> TENSORS = List.of(
            TensorSpec.input(LOGPS, List.of("B", "T"),
                    "log pi(y_t|...) of each completion token under the policy (logits / sampling temperature)"),
            TensorSpec.constant(OLD_LOGPS, List.of("B", "T"),
                    "log-probs at generation time; omit when on-policy (then old = logps detached, ratio 1)").optional(),
            TensorSpec.constant(REF_LOGPS, List.of("B", "T"),
                    "reference model log-probs (same temperature); required when beta > 0").optional(),
            TensorSpec.constant(MASK, List.of("B", "T"),
                    "completion mask: 1 on completion tokens up to EOS (times the tool mask), 0 on padding; default"
                            + " all ones").optional(),
            TensorSpec.constant(ADVANTAGES, List.of("B"), "per-sequence advantages; give this or rewards").optional(),
            TensorSpec.constant(REWARDS, List.of("B"),
                    "per-completion rewards (weighted sum over reward functions); the kernel computes group-relative"
                            + " advantages; give this or advantages").optional(),
            TensorSpec.input(ENTROPY, List.of("B", "T"),
                    "per-token policy entropy; for the entropy metric and bonus").optional());

    @Override
    public String id() {
        return "grpo";
    }

    @Override
    public String description() {
        return "Group Relative Policy Optimization with the DAPO, Dr.GRPO, BNPO and GSPO variants";
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
        long batch = logps.getShape().get(0);
        NDArray oldLogps = input.has(OLD_LOGPS) ? input.tensor(OLD_LOGPS) : logps.stopGradient();
        NDArray mask;
        if (input.has(MASK)) {
            TensorChecks.requireBinary(input, MASK);
            mask = input.tensor(MASK);
        } else {
            mask = logps.onesLike().stopGradient();
        }
        double beta = p.number(BETA);
        double epsilonLow = p.number(EPSILON);
        double epsilonHigh = p.number(EPSILON_HIGH) == 0.0 ? epsilonLow : p.number(EPSILON_HIGH);
        double delta = p.number(DELTA);
        double dualClip = p.number(DUAL_CLIP);
        if (dualClip != 0.0 && dualClip <= 1.0) {
            throw new InvalidInputException("parameters." + DUAL_CLIP, "must be 0 (off) or > 1, got " + dualClip);
        }

        Metrics.Builder metrics = Metrics.builder();
        Map<String, NDArray> outputs = new LinkedHashMap<>();
        NDArray advantages = advantages(input, p, batch, metrics);
        outputs.put("advantages", advantages);

        ImportanceSampling level = ImportanceSampling.fromParameter(p.string(IMPORTANCE_SAMPLING_LEVEL));
        NDArray logWeights = level.logWeights(logps, oldLogps, mask);
        ClippedPolicyLoss.Result policy = ClippedPolicyLoss.compute(logWeights,
                advantages.reshape(new Shape(batch, 1)),
                new ClippedPolicyLoss.Clip(epsilonLow, epsilonHigh, delta, dualClip, p.number(LOG_RATIO_CLAMP)));
        NDArray perToken = policy.loss();

        if (input.has(REF_LOGPS)) {
            NDArray kl = KlEstimator.fromParameter(p.string(KL_ESTIMATOR))
                    .estimate(logps, input.tensor(REF_LOGPS), KlClamp.fromParameter(p.string(KL_CLAMP)));
            if (p.bool(USE_BIAS_CORRECTION_KL)) {
                kl = kl.mul(policy.ratio());
            }
            outputs.put("per_token_kl", kl.stopGradient());
            if (beta != 0.0) {
                perToken = perToken.add(kl.mul(Scalars.of(kl, beta)));
                // No kl metric at all when beta == 0 (TRL #4040).
                metrics.put(Metrics.KL, MaskedStatistics.mean(kl, mask));
            }
        } else if (beta != 0.0) {
            throw new InvalidInputException("tensors." + REF_LOGPS, "required when beta > 0 (got " + beta + ")");
        }

        String lossType = p.string(LOSS_TYPE);
        LossAggregation aggregation = aggregation(lossType);
        double normalizer = normalizer(lossType, p, batch, mask);
        double accumulation = lossType.equals("dapo") ? 1.0 : p.integer(GRADIENT_ACCUMULATION_STEPS);
        NDArray accumulationSteps = Scalars.of(perToken, accumulation);
        NDArray loss = aggregation.aggregate(perToken, mask, normalizer).div(accumulationSteps);

        double entropyCoef = p.number(ENTROPY_COEF);
        if (input.has(ENTROPY)) {
            NDArray entropy = input.tensor(ENTROPY);
            metrics.put(Metrics.ENTROPY, MaskedStatistics.mean(entropy, mask));
            if (entropyCoef != 0.0) {
                loss = loss.sub(aggregation.aggregate(entropy, mask, normalizer).div(accumulationSteps)
                        .mul(Scalars.of(entropy, entropyCoef)));
            }
        } else if (entropyCoef != 0.0) {
            throw new InvalidInputException("tensors." + ENTROPY, "required when " + ENTROPY_COEF + " > 0");
        }

        // Clip ratios: token-weighted over completion tokens, or per sequence for GSPO (count = B).
        NDArray low = level == ImportanceSampling.TOKEN ? MaskedStatistics.mean(policy.lowClipped(), mask)
                : policy.lowClipped().mean();
        NDArray high = level == ImportanceSampling.TOKEN ? MaskedStatistics.mean(policy.highClipped(), mask)
                : policy.highClipped().mean();
        double lowMean = Metrics.scalar(low);
        double highMean = Metrics.scalar(high);
        // With one process TRL's min/max over gathered ranks equal the means.
        metrics.put(Metrics.CLIP_RATIO_LOW_MEAN, lowMean)
                .put(Metrics.CLIP_RATIO_LOW_MIN, lowMean)
                .put(Metrics.CLIP_RATIO_HIGH_MEAN, highMean)
                .put(Metrics.CLIP_RATIO_HIGH_MAX, highMean)
                .put(Metrics.CLIP_RATIO_REGION_MEAN, lowMean + highMean);

        NDArray perTokenMasked = perToken.mul(mask);
        outputs.put("per_token_loss", perTokenMasked);
        outputs.put("per_sequence_loss", MaskedStatistics.mean(perToken, mask, 1, false));
        outputs.put("ratio", policy.ratio().stopGradient());
        return new LossOutput(loss, metrics.build(), outputs);
    }

    private NDArray advantages(LossInput input, Parameters p, long batch, Metrics.Builder metrics) {
        boolean given = input.has(ADVANTAGES);
        if (given == input.has(REWARDS)) {
            throw new InvalidInputException("tensors." + (given ? REWARDS : ADVANTAGES),
                    "give exactly one of advantages or rewards");
        }
        if (given) {
            return input.tensor(ADVANTAGES);
        }
        int groupSize = p.intValue(NUM_GENERATIONS);
        if (batch % groupSize != 0) {
            throw new InvalidInputException("parameters." + NUM_GENERATIONS, "group size " + groupSize
                    + " does not divide the batch of " + batch + " completions (tensors." + REWARDS + ")");
        }
        GroupRelativeAdvantages.Normalized normalized = GroupRelativeAdvantages.normalized(input.tensor(REWARDS),
                groupSize, ScaleRewards.fromParameter(p.string(SCALE_REWARDS)), p.number(STD_EPSILON));
        metrics.put(Metrics.REWARD, normalized.reward())
                .put(Metrics.REWARD_STD, normalized.rewardStd())
                .put(Metrics.FRAC_REWARD_ZERO_STD, normalized.fracRewardZeroStd());
        return normalized.advantages();
    }

    private static LossAggregation aggregation(String lossType) {
        return switch (lossType) {
            case "grpo" -> LossAggregation.SEQ_MEAN_TOKEN_MEAN;
            case "bnpo" -> LossAggregation.TOKEN_MEAN;
            case "dr_grpo", "dapo" -> LossAggregation.TOKEN_SUM_NORM;
            case "luspo" -> LossAggregation.SEQ_MEAN_TOKEN_SUM;
            default -> throw new IllegalStateException(lossType);
        };
    }

    private static double normalizer(String lossType, Parameters p, long batch, NDArray mask) {
        return switch (lossType) {
            case "dr_grpo" -> (double) batch * p.integer(MAX_COMPLETION_LENGTH);
            case "dapo" -> {
                long items = p.integer(NUM_ITEMS_IN_BATCH);
                yield items > 0 ? (double) items / p.integer(NUM_PROCESSES)
                        : Math.max(1.0, Metrics.scalar(mask.sum().toType(DataType.FLOAT64, false)));
            }
            default -> 1.0;
        };
    }
}
