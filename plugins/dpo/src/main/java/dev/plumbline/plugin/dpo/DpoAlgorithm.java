package dev.plumbline.plugin.dpo;

import ai.djl.ndarray.NDArray;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.Metrics;
import dev.plumbline.spi.loss.PreferenceMetrics;
import dev.plumbline.spi.loss.Scalars;
import dev.plumbline.spi.loss.StableMath;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Direct Preference Optimization with TRL's loss-type zoo — TRL
 * {@code trl/trainer/dpo_trainer.py::DPOTrainer._compute_loss} (defaults from {@code DPOConfig}).
 *
 * <pre>
 * r_w = log pi(y_w) - log pi_ref(y_w),  r_l likewise          (summed completion log-probs)
 * s = f-divergence score of r (reverse_kl: s = r),  delta = s_w - s_l
 * per-pair loss by loss_type (sigmoid: -log sigmoid(beta * delta), ...);  loss = mean over pairs
 * </pre>
 *
 * Metrics use the plain log-ratios {@code beta * r} (not the scores), as TRL logs them.
 */
public final class DpoAlgorithm implements Algorithm {

    static final String BETA = "beta";
    static final String LOSS_TYPE = "loss_type";
    static final String LABEL_SMOOTHING = "label_smoothing";
    static final String SIGMOID_LABEL_SMOOTHING = "sigmoid_label_smoothing";
    static final String F_DIVERGENCE_TYPE = "f_divergence_type";
    static final String F_ALPHA_DIVERGENCE_COEF = "f_alpha_divergence_coef";
    static final String DISCOPOP_TAU = "discopop_tau";

    /** {@code exp} argument cap of TRL's alpha-divergence score (fp32/bf16 value). */
    private static final double ALPHA_DIVERGENCE_EXP_CAP = 80.0;

    /** The per-pair losses of TRL's {@code loss_type}. */
    enum LossType {
        SIGMOID, HINGE, IPO, ROBUST, BCO_PAIR, SPPO_HARD, NCA_PAIR, APO_ZERO, APO_DOWN, EXO_PAIR, DISCOPOP,
        SIGMOID_NORM, AOT, AOT_UNPAIRED;

        String parameterValue() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static List<String> parameterValues() {
            return Arrays.stream(values()).map(LossType::parameterValue).toList();
        }

        static LossType fromParameter(String v) {
            return valueOf(v.toUpperCase(java.util.Locale.ROOT));
        }

        boolean needsLengths() {
            return this == IPO || this == SIGMOID_NORM;
        }
    }

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number(BETA, 0.1, 1e-6, 1000.0,
                    "beta (> 0): strength of the implicit KL constraint; scales the log-ratio margin (TRL DPOConfig.beta)"),
            ParameterSpec.choice(LOSS_TYPE, "sigmoid", LossType.parameterValues(),
                    "per-pair loss (TRL DPOConfig.loss_type): sigmoid (DPO), hinge (SLiC), ipo (length-normalised"
                            + " log-ratios, as TRL), robust (rDPO), bco_pair, sppo_hard, nca_pair, apo_zero, apo_down,"
                            + " exo_pair, discopop, sigmoid_norm (length-normalised sigmoid), aot, aot_unpaired"),
            ParameterSpec.number(LABEL_SMOOTHING, 0.0, 0.0, 0.5,
                    "label-noise epsilon in [0, 0.5): used by robust, exo_pair (must be > 0 there), aot and"
                            + " aot_unpaired; by sigmoid only when sigmoid_label_smoothing is true"),
            ParameterSpec.bool(SIGMOID_LABEL_SMOOTHING, false,
                    "apply label_smoothing in loss_type=sigmoid (conservative DPO as TRL before the 2026 refactor and"
                            + " OpenRLHF: -(1-eps) log sigmoid(beta d) - eps log sigmoid(-beta d)); current TRL ignores it"),
            ParameterSpec.choice(F_DIVERGENCE_TYPE, "reverse_kl",
                    List.of("reverse_kl", "forward_kl", "js_divergence", "alpha_divergence"),
                    "f-divergence score of each log-ratio r: reverse_kl s=r (standard DPO), forward_kl s=-exp(-r),"
                            + " js_divergence s=log sigmoid(r), alpha_divergence s=exp((a-1) r)/(a-1)"),
            ParameterSpec.number(F_ALPHA_DIVERGENCE_COEF, 0.5, 0.0, 10.0,
                    "alpha of f_divergence_type=alpha_divergence (TRL default 0.5; 1 falls back to reverse_kl)"),
            ParameterSpec.number(DISCOPOP_TAU, 0.05, 1e-6, 100.0,
                    "temperature of the DiscoPOP log-ratio modulation (loss_type=discopop)"));

    @Override
    public String id() {
        return "dpo";
    }

    @Override
    public String description() {
        return "Direct Preference Optimization with TRL's loss types (sigmoid, hinge, ipo, robust, exo_pair, ...)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    @Override
    public List<TensorSpec> tensors() {
        return PairedLogps.SPECS;
    }

    @Override
    public LossOutput loss(LossInput input) {
        Parameters p = input.parameters();
        double beta = p.number(BETA);
        LossType lossType = LossType.fromParameter(p.string(LOSS_TYPE));
        double epsilon = p.number(LABEL_SMOOTHING);
        checkLabelSmoothing(lossType, epsilon);
        PairedLogps batch = PairedLogps.read(input,
                lossType.needsLengths() ? "loss_type=" + lossType.parameterValue() : null);

        NDArray chosenLogRatios = batch.chosenLogRatios();
        NDArray rejectedLogRatios = batch.rejectedLogRatios();
        String divergence = p.string(F_DIVERGENCE_TYPE);
        double alpha = p.number(F_ALPHA_DIVERGENCE_COEF);
        NDArray chosenScores = score(chosenLogRatios, divergence, alpha);
        NDArray rejectedScores = score(rejectedLogRatios, divergence, alpha);
        NDArray delta = chosenScores.sub(rejectedScores);
        NDArray b = Scalars.of(delta, beta);
        NDArray minusB = Scalars.of(delta, -beta);
        NDArray one = Scalars.of(delta, 1.0);

        NDArray perPair = switch (lossType) {
            case SIGMOID -> p.bool(SIGMOID_LABEL_SMOOTHING)
                    ? smoothedSigmoid(delta.mul(b), epsilon)
                    : StableMath.logSigmoid(delta.mul(b)).neg();
            case HINGE -> StableMath.relu(delta.mul(minusB).add(one));
            case IPO -> chosenScores.div(batch.chosenLengths()).sub(rejectedScores.div(batch.rejectedLengths()))
                    .sub(Scalars.of(delta, 1.0 / (2.0 * beta))).square();
            case ROBUST -> StableMath.logSigmoid(delta.mul(b)).mul(Scalars.of(delta, -(1.0 - epsilon)))
                    .add(StableMath.logSigmoid(delta.mul(minusB)).mul(Scalars.of(delta, epsilon)))
                    .div(Scalars.of(delta, 1.0 - 2.0 * epsilon));
            case EXO_PAIR -> {
                NDArray z = delta.mul(b);
                NDArray logQw = StableMath.logSigmoid(z);
                NDArray logQl = StableMath.logSigmoid(z.neg());
                yield logQw.exp().mul(logQw.sub(Scalars.of(z, Math.log1p(-epsilon))))
                        .add(logQl.exp().mul(logQl.sub(Scalars.of(z, Math.log(epsilon)))));
            }
            case NCA_PAIR -> {
                NDArray cw = chosenScores.mul(b);
                NDArray cl = rejectedScores.mul(b);
                NDArray half = Scalars.of(delta, 0.5);
                yield StableMath.logSigmoid(cw).neg()
                        .sub(StableMath.logSigmoid(cw.neg()).mul(half))
                        .sub(StableMath.logSigmoid(cl.neg()).mul(half));
            }
            case BCO_PAIR -> StableMath.logSigmoid(chosenScores.mul(b)).neg()
                    .sub(StableMath.logSigmoid(rejectedScores.mul(minusB)));
            case SPPO_HARD -> {
                NDArray target = Scalars.of(delta, 0.5 / beta);
                yield chosenScores.sub(target).square().add(rejectedScores.add(target).square());
            }
            case APO_ZERO -> StableMath.sigmoid(chosenLogRatios.mul(b)).neg().add(one)
                    .add(StableMath.sigmoid(rejectedLogRatios.mul(b)));
            case APO_DOWN -> StableMath.sigmoid(chosenLogRatios.mul(b))
                    .add(StableMath.sigmoid(delta.mul(b)).neg().add(one));
            case DISCOPOP -> {
                NDArray z = delta.mul(b);
                NDArray modulation = StableMath.sigmoid(z.div(Scalars.of(z, p.number(DISCOPOP_TAU))));
                yield StableMath.logSigmoid(z).neg().mul(modulation.neg().add(one))
                        .add(z.neg().exp().mul(modulation));
            }
            case SIGMOID_NORM -> StableMath.logSigmoid(chosenScores.div(batch.chosenLengths())
                    .sub(rejectedScores.div(batch.rejectedLengths())).mul(b)).neg();
            case AOT -> {
                // Sort (over the batch) the policy and reference log-prob margins separately.
                NDArray policyMargins = batch.policyChosen().sub(batch.policyRejected()).sort(0);
                NDArray referenceMargins = batch.referenceChosen().sub(batch.referenceRejected()).sort(0);
                yield smoothedSigmoid(policyMargins.sub(referenceMargins).mul(b), epsilon);
            }
            case AOT_UNPAIRED -> smoothedSigmoid(chosenLogRatios.sort(0).sub(rejectedLogRatios.sort(0)).mul(b),
                    epsilon);
        };

        NDArray chosenRewards = chosenLogRatios.mul(b);
        NDArray rejectedRewards = rejectedLogRatios.mul(b);
        Map<String, Double> metrics = Metrics.builder()
                .putAll(PreferenceMetrics.rewards(chosenRewards, rejectedRewards))
                .putAll(PreferenceMetrics.logps(batch.policyChosen(), batch.policyRejected()))
                .build();
        return new LossOutput(perPair.mean(), metrics, Map.of(
                "per_pair_loss", perPair,
                "chosen_rewards", chosenRewards.stopGradient(),
                "rejected_rewards", rejectedRewards.stopGradient()));
    }

    /** {@code -(1 - eps) log sigmoid(z) - eps log sigmoid(-z)}: cDPO / CPO / AOT smoothing. */
    static NDArray smoothedSigmoid(NDArray z, double epsilon) {
        NDArray clean = StableMath.logSigmoid(z).mul(Scalars.of(z, -(1.0 - epsilon)));
        return epsilon == 0.0 ? clean : clean.sub(StableMath.logSigmoid(z.neg()).mul(Scalars.of(z, epsilon)));
    }

    /** TRL's f-divergence scores of the log-ratios (DPOConfig.f_divergence_type). */
    static NDArray score(NDArray logRatios, String divergence, double alpha) {
        return switch (divergence) {
            case "reverse_kl" -> logRatios;
            case "forward_kl" -> logRatios.neg().exp().neg();
            case "js_divergence" -> StableMath.logSigmoid(logRatios);
            case "alpha_divergence" -> Math.abs(alpha - 1.0) < 1e-6
                    ? logRatios
                    : alphaScore(logRatios, alpha);
            default -> throw new IllegalStateException(divergence);
        };
    }

    /** {@code exp(min((alpha - 1) r, cap)) / (alpha - 1)}. */
    private static NDArray alphaScore(NDArray logRatios, double alpha) {
        NDArray alphaMinusOne = Scalars.of(logRatios, alpha - 1.0);
        return logRatios.mul(alphaMinusOne).minimum(Scalars.of(logRatios, ALPHA_DIVERGENCE_EXP_CAP)).exp()
                .div(alphaMinusOne);
    }

    private static void checkLabelSmoothing(LossType lossType, double epsilon) {
        String field = "parameters." + LABEL_SMOOTHING;
        if (epsilon >= 0.5 && (lossType == LossType.ROBUST)) {
            throw new InvalidInputException(field, "must be < 0.5 for loss_type=robust (divides by 1 - 2*eps)");
        }
        if (lossType == LossType.EXO_PAIR && epsilon <= 0.0) {
            throw new InvalidInputException(field, "must be > 0 for loss_type=exo_pair (log(eps); the EXO paper uses"
                    + " 1e-3)");
        }
    }
}
