package dev.plumbline.plugin.dpo;

import ai.djl.ndarray.NDArray;
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
import java.util.List;
import java.util.Map;

/**
 * The reference-free preference loss of TRL {@code trl/experimental/cpo/cpo_trainer.py::cpo_loss}
 * and {@code get_batch_loss_metrics}, shared by the {@code cpo} and {@code simpo} plugins:
 *
 * <pre>
 * logits = l_w - l_l                        (summed log-probs for sigmoid/hinge, averaged for ipo/simpo)
 * simpo:   logits -= simpo_gamma / beta;  L = -(1-eps) log sigmoid(beta logits) - eps log sigmoid(-beta logits)
 * sigmoid: L = -(1-eps) log sigmoid(beta logits) - eps log sigmoid(-beta logits)
 * hinge:   L = relu(1 - beta logits);   ipo: L = (logits - 1/(2 beta))^2
 * loss = mean(L) + cpo_alpha * nll_loss
 * </pre>
 */
final class CpoLoss {

    static final String BETA = "beta";
    static final String LOSS_TYPE = "loss_type";
    static final String LABEL_SMOOTHING = "label_smoothing";
    static final String CPO_ALPHA = "cpo_alpha";
    static final String SIMPO_GAMMA = "simpo_gamma";
    static final String NLL_LOSS = "nll_loss";

    static ParameterSpec beta() {
        return ParameterSpec.number(BETA, 0.1, 1e-6, 1000.0,
                "beta (> 0): scale of the log-prob margin (TRL CPOConfig.beta; the SimPO authors use 2.0-10)");
    }

    static ParameterSpec labelSmoothing() {
        return ParameterSpec.number(LABEL_SMOOTHING, 0.0, 0.0, 0.5,
                "label-noise epsilon in [0, 0.5] of the sigmoid and simpo losses (CPO Eq. 3)");
    }

    static ParameterSpec simpoGamma() {
        return ParameterSpec.number(SIMPO_GAMMA, 0.5, 0.0, 100.0,
                "SimPO target reward margin gamma (absolute, not the gamma/beta ratio of the SimPO configs)");
    }

    static ParameterSpec cpoAlpha(double defaultValue) {
        return ParameterSpec.number(CPO_ALPHA, defaultValue, 0.0, 100.0,
                "weight of the behaviour-cloning NLL term on the chosen completion (needs tensor nll_loss when > 0);"
                        + " 0 gives SimPO proper");
    }

    static TensorSpec nllLossSpec() {
        return TensorSpec.input(NLL_LOSS, List.of(),
                "token-mean cross-entropy of the chosen completion (prompt tokens excluded), the CPO NLL term;"
                        + " required when cpo_alpha > 0").optional();
    }

    private CpoLoss() {
    }

    static LossOutput compute(LossInput input, String lossType, NDArray chosenLogps, NDArray rejectedLogps) {
        Parameters p = input.parameters();
        double beta = p.number(BETA);
        double epsilon = p.number(LABEL_SMOOTHING);
        double cpoAlpha = p.number(CPO_ALPHA);
        NDArray logits = chosenLogps.sub(rejectedLogps);
        NDArray b = Scalars.of(logits, beta);
        NDArray perPair = switch (lossType) {
            case "simpo" -> DpoAlgorithm.smoothedSigmoid(
                    logits.sub(Scalars.of(logits, p.number(SIMPO_GAMMA) / beta)).mul(b), epsilon);
            case "sigmoid" -> DpoAlgorithm.smoothedSigmoid(logits.mul(b), epsilon);
            case "hinge" -> StableMath.relu(logits.mul(Scalars.of(logits, -beta)).add(Scalars.of(logits, 1.0)));
            case "ipo" -> logits.sub(Scalars.of(logits, 1.0 / (2.0 * beta))).square();
            default -> throw new IllegalStateException(lossType);
        };
        NDArray loss = perPair.mean();
        Metrics.Builder metrics = Metrics.builder()
                .putAll(PreferenceMetrics.rewards(chosenLogps.mul(b), rejectedLogps.mul(b)))
                .putAll(PreferenceMetrics.logps(chosenLogps, rejectedLogps));
        if (input.has(NLL_LOSS)) {
            NDArray nll = input.tensor(NLL_LOSS);
            metrics.put(Metrics.NLL_LOSS, nll);
            if (cpoAlpha != 0.0) {
                loss = loss.add(nll.mul(Scalars.of(nll, cpoAlpha)));
            }
        } else if (cpoAlpha != 0.0) {
            throw new InvalidInputException("tensors." + NLL_LOSS, "required when " + CPO_ALPHA + " > 0 (got "
                    + cpoAlpha + ")");
        }
        return new LossOutput(loss, metrics.build(), Map.of("per_pair_loss", perPair));
    }
}
