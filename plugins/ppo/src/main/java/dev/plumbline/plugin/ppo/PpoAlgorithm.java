package dev.plumbline.plugin.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
import dev.plumbline.spi.loss.GeneralizedAdvantageEstimation;
import dev.plumbline.spi.loss.KlClamp;
import dev.plumbline.spi.loss.KlEstimator;
import dev.plumbline.spi.loss.MaskedStatistics;
import dev.plumbline.spi.loss.MaskedStatistics.WhiteningVariance;
import dev.plumbline.spi.loss.Metrics;
import dev.plumbline.spi.loss.Scalars;
import dev.plumbline.spi.loss.TensorChecks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Proximal Policy Optimization for RLHF — TRL {@code trl/experimental/ppo/ppo_trainer.py::PPOTrainer.train}
 * (defaults from {@code PPOConfig}), one micro-batch of the update loop, with the verl/OpenRLHF
 * differences as options.
 *
 * <pre>
 * rewards  = token_rewards, or  -kl_coef * kl_t  plus the score at one position  (KL from old vs ref log-probs)
 * A, R     = GAE(rewards, values; gamma, lam)          R = A + V
 * A        = masked_whiten(A) over the response mask, 0 on padding
 * ratio    = exp(logps - old_logps)
 * pg_loss  = masked_mean( max(-A ratio, -A clip(ratio, 1 - eps, 1 + eps)) )
 * vf_loss  = 0.5 masked_mean( max((V' - R)^2, (clip(V', V - eps_v, V + eps_v) - R)^2) )
 * loss     = pg_loss + vf_coef vf_loss  [- entropy_coef mean entropy]
 * </pre>
 *
 * Score placement: TRL adds the score at {@code seq_len + 1} (the first pad after EOS when pad != eos;
 * issues #1893/#3750), verl and OpenRLHF at the last response token; the default here is the last
 * token, {@code score_position=after_last_token} reproduces TRL — and then, like TRL's
 * {@code padding_mask_p1}, the value loss also covers that extra slot.
 */
public final class PpoAlgorithm implements Algorithm {

    static final String GAMMA = "gamma";
    static final String LAM = "lam";
    static final String CLIPRANGE = "cliprange";
    static final String CLIPRANGE_VALUE = "cliprange_value";
    static final String VF_COEF = "vf_coef";
    static final String KL_COEF = "kl_coef";
    static final String KL_ESTIMATOR = "kl_estimator";
    static final String KL_CLAMP = "kl_clamp";
    static final String WHITEN_REWARDS = "whiten_rewards";
    static final String ADVANTAGE_WHITENING = "advantage_whitening";
    static final String GAE_MASKING = "gae_masking";
    static final String SCORE_POSITION = "score_position";
    static final String ENTROPY_COEF = "entropy_coef";
    static final String DUAL_CLIP = "dual_clip";
    static final String LOG_RATIO_CLAMP = "log_ratio_clamp";

    static final String LOGPS = "logps";
    static final String OLD_LOGPS = "old_logps";
    static final String VALUES = "values";
    static final String VALUE_PREDS = "value_preds";
    static final String MASK = "mask";
    static final String TOKEN_REWARDS = "token_rewards";
    static final String SCORES = "scores";
    static final String REF_LOGPS = "ref_logps";
    static final String ENTROPY = "entropy";

    /** TRL {@code masked_whiten} epsilon. */
    private static final double WHITEN_EPSILON = 1e-8;

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number(GAMMA, 1.0, 0.0, 1.0, "discount factor of GAE"),
            ParameterSpec.number(LAM, 0.95, 0.0, 1.0, "GAE lambda (TRL 0.95; verl and OpenRLHF default to 1.0)"),
            ParameterSpec.number(CLIPRANGE, 0.2, 0.0, 10.0, "policy ratio clip epsilon"),
            ParameterSpec.number(CLIPRANGE_VALUE, 0.2, 0.0, 1e6,
                    "value clip: predictions are clipped to values +- cliprange_value (verl critic default 0.5)"),
            ParameterSpec.number(VF_COEF, 0.1, 0.0, 1000.0, "weight of the value loss"),
            ParameterSpec.number(KL_COEF, 0.05, 0.0, 1000.0,
                    "weight of the per-token KL penalty folded into the reward (only with scores)"),
            ParameterSpec.choice(KL_ESTIMATOR, "k1", KlEstimator.parameterValues(),
                    "per-token KL estimator of the reward penalty, from old_logps vs ref_logps: k1 (TRL default),"
                            + " k2, k3 (TRL option), abs"),
            ParameterSpec.choice(KL_CLAMP, "none", KlClamp.parameterValues(),
                    "clamping of the KL estimate: none (TRL), verl (k3 only: log-ratio to +-20, estimate to +-10),"
                            + " openrlhf (every estimator to +-10)"),
            ParameterSpec.bool(WHITEN_REWARDS, false,
                    "whiten the shaped rewards over the value mask without shifting the mean (TRL whiten_rewards)"),
            ParameterSpec.choice(ADVANTAGE_WHITENING, "unbiased", List.of("unbiased", "biased", "none"),
                    "advantage whitening over the response mask: unbiased (TRL/verl: Bessel variance, rsqrt(var+1e-8)),"
                            + " biased (OpenRLHF: /N variance, rsqrt(max(var,1e-8))), none"),
            ParameterSpec.choice(GAE_MASKING, "none", GeneralizedAdvantageEstimation.Masking.parameterValues(),
                    "none: plain backward recursion over all positions (TRL); skip_masked: masked positions neither"
                            + " advance V_{t+1} nor A_{t+1} (verl, for interleaved observation tokens)"),
            ParameterSpec.choice(SCORE_POSITION, "last_token", List.of("last_token", "after_last_token"),
                    "where the score lands in the reward: the last response token (verl, OpenRLHF) or the slot after"
                            + " it (TRL with pad != eos, seq_len+1 capped at T-1; the value loss then covers that slot)"),
            ParameterSpec.number(ENTROPY_COEF, 0.0, 0.0, 10.0,
                    "entropy bonus: loss -= entropy_coef * masked mean of the entropy tensor (verl entropy_coeff;"
                            + " TRL PPO has none)"),
            ParameterSpec.number(DUAL_CLIP, 0.0, 0.0, 100.0,
                    "verl dual clip c (> 1, e.g. 3): for A < 0 the policy loss is capped at -A c; 0 disables"),
            ParameterSpec.number(LOG_RATIO_CLAMP, 0.0, 0.0, 100.0,
                    "clamp log(pi/pi_old) to +-value before exp (verl/OpenRLHF use 20); 0 disables (TRL)"));

    private static final List<TensorSpec> TENSORS = List.of(
            TensorSpec.input(LOGPS, List.of("B", "T"),
                    "log pi(a_t|s_t) of the response tokens under the current policy (logits / temperature)"),
            TensorSpec.constant(OLD_LOGPS, List.of("B", "T"), "log-probs of the response tokens at rollout time"),
            TensorSpec.constant(VALUES, List.of("B", "T"), "value estimates V_old(s_t) at rollout time"),
            TensorSpec.input(VALUE_PREDS, List.of("B", "T"), "value head predictions V(s_t) in this update"),
            TensorSpec.constant(MASK, List.of("B", "T"),
                    "1 on response tokens (up to and including EOS), 0 on padding; default all ones").optional(),
            TensorSpec.constant(TOKEN_REWARDS, List.of("B", "T"),
                    "per-token rewards already shaped (KL penalty and score included); give this or scores")
                    .optional(),
            TensorSpec.constant(SCORES, List.of("B"),
                    "sequence scores of the reward model (missing-EOS penalty applied); give this or token_rewards")
                    .optional(),
            TensorSpec.constant(REF_LOGPS, List.of("B", "T"),
                    "reference model log-probs of the response tokens (same temperature); needed with scores when"
                            + " kl_coef > 0").optional(),
            TensorSpec.input(ENTROPY, List.of("B", "T"),
                    "per-token entropy of the policy (logsumexp(z) - sum softmax(z) z); for the bonus and the"
                            + " policy/entropy_avg metric").optional());

    @Override
    public String id() {
        return "ppo";
    }

    @Override
    public String description() {
        return "PPO for RLHF: GAE advantages, clipped policy and value losses, KL penalty in the reward";
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
        NDArray values = input.tensor(VALUES);
        NDArray valuePreds = input.tensor(VALUE_PREDS);
        long batch = logps.getShape().get(0);
        long steps = logps.getShape().get(1);
        NDArray mask;
        if (input.has(MASK)) {
            TensorChecks.requireBinary(input, MASK);
            TensorChecks.requireNonEmptyRows(input, MASK);
            mask = input.tensor(MASK);
        } else {
            mask = logps.onesLike().stopGradient();
        }
        double dualClip = p.number(DUAL_CLIP);
        if (dualClip != 0.0 && dualClip <= 1.0) {
            throw new InvalidInputException("parameters." + DUAL_CLIP, "must be 0 (off) or > 1, got " + dualClip);
        }
        boolean afterLast = p.string(SCORE_POSITION).equals("after_last_token");
        double[] maskValues = toDoubles(mask);
        int[] lastToken = lastTokens(maskValues, batch, steps);

        // Reward shaping.
        Map<String, NDArray> outputs = new LinkedHashMap<>();
        Metrics.Builder metrics = Metrics.builder();
        NDArray valueMask = afterLast ? extendByOne(input, mask, lastToken, steps) : mask;
        NDArray rewards = shapedRewards(input, p, mask, lastToken, afterLast, steps, outputs, metrics);
        if (p.bool(WHITEN_REWARDS)) {
            requireWhitenable(input, valueMask, "whiten_rewards");
            rewards = MaskedStatistics.whiten(rewards, valueMask, WhiteningVariance.UNBIASED_PLUS_EPSILON, false,
                    WHITEN_EPSILON).mul(valueMask);
        }

        // Advantages and returns (rollout constants, no gradient). TRL zeroes values beyond the value mask.
        NDArray maskedValues = values.mul(valueMask);
        GeneralizedAdvantageEstimation.Result gae = GeneralizedAdvantageEstimation.compute(rewards, maskedValues, mask,
                p.number(GAMMA), p.number(LAM), GeneralizedAdvantageEstimation.Masking.fromParameter(p.string(GAE_MASKING)));
        NDArray advantages = switch (p.string(ADVANTAGE_WHITENING)) {
            case "unbiased" -> {
                requireWhitenable(input, mask, "advantage whitening");
                yield MaskedStatistics.whiten(gae.advantages(), mask, WhiteningVariance.UNBIASED_PLUS_EPSILON, true,
                        WHITEN_EPSILON).mul(mask);
            }
            case "biased" -> MaskedStatistics.whiten(gae.advantages(), mask, WhiteningVariance.BIASED_CLAMPED, true,
                    WHITEN_EPSILON).mul(mask);
            default -> gae.advantages().mul(mask);
        };
        NDArray returns = gae.returns();

        // Policy loss; TRL sets both log-prob tensors to the same INVALID_LOGPROB on padding, so delta = 0 there.
        NDArray logRatio = logps.sub(oldLogps).mul(mask);
        double eps = p.number(CLIPRANGE);
        ClippedPolicyLoss.Result policy = ClippedPolicyLoss.compute(logRatio, advantages,
                new ClippedPolicyLoss.Clip(eps, eps, 0.0, dualClip, p.number(LOG_RATIO_CLAMP)));
        NDArray pgLoss = MaskedStatistics.mean(policy.loss(), mask);

        // Value loss, clipped around the rollout values (torch.clamp semantics).
        double epsV = p.number(CLIPRANGE_VALUE);
        NDArray clipRange = Scalars.of(values, epsV);
        NDArray lo = values.sub(clipRange);
        NDArray hi = values.add(clipRange);
        NDArray clippedPreds = NDArrays.where(valuePreds.gt(hi), hi, NDArrays.where(valuePreds.lt(lo), lo, valuePreds));
        NDArray vf1 = valuePreds.sub(returns).square();
        NDArray vf2 = clippedPreds.sub(returns).square();
        NDArray vfLoss = MaskedStatistics.mean(vf1.maximum(vf2), valueMask).mul(Scalars.of(vf1, 0.5));

        NDArray loss = pgLoss.add(vfLoss.mul(Scalars.of(vfLoss, p.number(VF_COEF))));
        double entropyCoef = p.number(ENTROPY_COEF);
        if (input.has(ENTROPY)) {
            NDArray meanEntropy = MaskedStatistics.mean(input.tensor(ENTROPY), mask);
            metrics.put("policy/entropy_avg", meanEntropy);
            if (entropyCoef != 0.0) {
                loss = loss.sub(meanEntropy.mul(Scalars.of(meanEntropy, entropyCoef)));
            }
        } else if (entropyCoef != 0.0) {
            throw new InvalidInputException("tensors." + ENTROPY, "required when " + ENTROPY_COEF + " > 0");
        }

        NDArray delta = logRatio.stopGradient();
        metrics.put("loss/policy_avg", pgLoss)
                .put("loss/value_avg", vfLoss)
                .put("policy/clipfrac_avg", MaskedStatistics.mean(policy.clipActive(), mask))
                .put("val/clipfrac_avg", MaskedStatistics.mean(vf2.gt(vf1).toType(vf1.getDataType(), false), valueMask))
                // TRL averages over all B*T positions (delta is 0 and ratio 1 on padding).
                .put("policy/approxkl_avg", delta.square().mean().mul(Scalars.of(delta, 0.5)))
                .put("val/ratio", delta.exp().mean())
                .put("objective/entropy", MaskedStatistics.sum(oldLogps.neg(), mask, 1, false).mean());
        outputs.put("advantages", advantages);
        outputs.put("advantages_raw", gae.advantages());
        outputs.put("returns", returns);
        outputs.put("token_rewards", rewards);
        outputs.put("ratio", policy.ratio().stopGradient());
        return new LossOutput(loss, metrics.build(), outputs);
    }

    private NDArray shapedRewards(LossInput input, Parameters p, NDArray mask, int[] lastToken, boolean afterLast,
            long steps, Map<String, NDArray> outputs, Metrics.Builder metrics) {
        boolean tokenRewards = input.has(TOKEN_REWARDS);
        if (tokenRewards == input.has(SCORES)) {
            throw new InvalidInputException("tensors." + (tokenRewards ? SCORES : TOKEN_REWARDS),
                    "give exactly one of token_rewards or scores");
        }
        if (tokenRewards) {
            return input.tensor(TOKEN_REWARDS);
        }
        NDArray scores = input.tensor(SCORES);
        double klCoef = p.number(KL_COEF);
        NDArray kl;
        if (input.has(REF_LOGPS)) {
            KlEstimator estimator = KlEstimator.fromParameter(p.string(KL_ESTIMATOR));
            kl = estimator.estimate(input.tensor(OLD_LOGPS), input.tensor(REF_LOGPS),
                    KlClamp.fromParameter(p.string(KL_CLAMP))).mul(mask);
        } else if (klCoef != 0.0) {
            throw new InvalidInputException("tensors." + REF_LOGPS, "required with scores when " + KL_COEF + " > 0");
        } else {
            kl = mask.zerosLike();
        }
        NDArray nonScore = kl.mul(Scalars.of(kl, -klCoef));
        long batch = mask.getShape().get(0);
        double[] position = new double[(int) (batch * steps)];
        for (int i = 0; i < batch; i++) {
            int t = afterLast ? Math.min(lastToken[i] + 1, (int) steps - 1) : lastToken[i];
            position[(int) (i * steps + t)] = 1.0;
        }
        NDArray scoreSlot = input.manager().create(position, new Shape(batch, steps)).toType(mask.getDataType(), false);
        NDArray rewards = nonScore.add(scoreSlot.mul(scores.reshape(new Shape(batch, 1))));
        NDArray klPerSequence = kl.sum(new int[] {1});
        NDArray nonScorePerSequence = nonScore.sum(new int[] {1});
        metrics.put("objective/kl", klPerSequence.mean())
                .put("objective/non_score_reward", nonScorePerSequence.mean())
                .put("objective/scores", scores.mean())
                .put("objective/rlhf_reward", nonScorePerSequence.mean().add(scores.mean()));
        outputs.put("kl", kl);
        return rewards;
    }

    /** Index of the last 1 of each mask row (rows are checked non-empty). */
    private static int[] lastTokens(double[] mask, long batch, long steps) {
        int[] last = new int[(int) batch];
        for (int i = 0; i < batch; i++) {
            last[i] = -1;
            for (int t = 0; t < steps; t++) {
                if (mask[(int) (i * steps + t)] == 1.0) {
                    last[i] = t;
                }
            }
        }
        return last;
    }

    /** TRL's {@code ~padding_mask_p1}: the response mask plus the slot after each row's last token. */
    private static NDArray extendByOne(LossInput input, NDArray mask, int[] lastToken, long steps) {
        double[] m = toDoubles(mask);
        for (int i = 0; i < lastToken.length; i++) {
            int t = lastToken[i] + 1;
            if (t < steps) {
                m[(int) (i * steps + t)] = 1.0;
            }
        }
        return input.manager().create(m, mask.getShape()).toType(mask.getDataType(), false);
    }

    private static void requireWhitenable(LossInput input, NDArray mask, String what) {
        if (Metrics.scalar(mask.sum()) < 2) {
            String field = input.has(MASK) ? "tensors." + MASK : "tensors." + LOGPS + ".shape";
            throw new InvalidInputException(field, what + " needs at least 2 unmasked tokens (Bessel-corrected"
                    + " variance; TRL raises too)");
        }
    }

    private static double[] toDoubles(NDArray a) {
        return a.stopGradient().toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
