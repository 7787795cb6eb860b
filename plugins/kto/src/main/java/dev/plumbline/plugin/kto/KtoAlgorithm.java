package dev.plumbline.plugin.kto;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.Metrics;
import dev.plumbline.spi.loss.Scalars;
import dev.plumbline.spi.loss.StableMath;
import dev.plumbline.spi.loss.TensorChecks;
import java.util.List;
import java.util.Map;

/**
 * Kahneman-Tversky Optimization on unpaired binary feedback — TRL
 * {@code trl/trainer/kto_trainer.py::KTOTrainer._compute_loss} (defaults from {@code KTOConfig}).
 *
 * <pre>
 * z0 = max(0, mean_i(policy_kl_logps_i - reference_kl_logps_i))      detached KL reference point
 * r_i = log pi(y_i) - log pi_ref(y_i)
 * kto:               desirable 1 - sigmoid(beta (r - z0))    undesirable 1 - sigmoid(beta (z0 - r))
 * apo_zero_unpaired: desirable 1 - sigmoid(beta r)           undesirable sigmoid(beta r)     (no KL term)
 * loss = mean_i( weight_i * L_i )        divided by the number of examples, not by the sum of weights
 * </pre>
 *
 * The KL pass uses mismatched completions: TRL gives example i the completion of example i-1 of
 * the same micro-batch (example 0 gets the last one; "rotate by one", never "reverse", which leaves
 * the middle of an odd batch matched). The client computes {@code policy_kl_logps[i] =
 * log pi(y_{i-1} | x_i)} that way; the kernel averages them over this batch (TRL also averages over
 * ranks).
 */
public final class KtoAlgorithm implements Algorithm {

    static final String BETA = "beta";
    static final String LOSS_TYPE = "loss_type";
    static final String DESIRABLE_WEIGHT = "desirable_weight";
    static final String UNDESIRABLE_WEIGHT = "undesirable_weight";

    static final String POLICY_LOGPS = "policy_logps";
    static final String REFERENCE_LOGPS = "reference_logps";
    static final String LABELS = "labels";
    static final String POLICY_KL_LOGPS = "policy_kl_logps";
    static final String REFERENCE_KL_LOGPS = "reference_kl_logps";

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number(BETA, 0.1, 1e-6, 1000.0, "beta (> 0): scale of the implied reward (TRL KTOConfig.beta)"),
            ParameterSpec.choice(LOSS_TYPE, "kto", List.of("kto", "apo_zero_unpaired"),
                    "kto: prospect-theoretic loss around the KL reference point z0; apo_zero_unpaired: anchored"
                            + " preference loss without a KL pass"),
            ParameterSpec.number(DESIRABLE_WEIGHT, 1.0, 0.0, 100.0,
                    "weight lambda_D of desirable examples; with unbalanced data aim for"
                            + " lambda_D n_D / (lambda_U n_U) in [1, 4/3] (KTO Eq. 8)"),
            ParameterSpec.number(UNDESIRABLE_WEIGHT, 1.0, 0.0, 100.0, "weight lambda_U of undesirable examples"));

    private static final List<TensorSpec> TENSORS = List.of(
            TensorSpec.input(POLICY_LOGPS, List.of("B"),
                    "log pi(y_i|x_i) under the policy, summed over completion tokens"),
            TensorSpec.constant(REFERENCE_LOGPS, List.of("B"),
                    "log pi_ref(y_i|x_i) under the reference model, summed over completion tokens"),
            TensorSpec.constant(LABELS, List.of("B"), "1 = desirable (label True), 0 = undesirable"),
            TensorSpec.constant(POLICY_KL_LOGPS, List.of("B"),
                    "log pi(y_{i-1}|x_i) of the mismatched completion (rotate by one within the micro-batch),"
                            + " computed without gradient; required for loss_type=kto").optional(),
            TensorSpec.constant(REFERENCE_KL_LOGPS, List.of("B"),
                    "log pi_ref(y_{i-1}|x_i) of the same mismatched completion; required for loss_type=kto")
                    .optional());

    @Override
    public String id() {
        return "kto";
    }

    @Override
    public String description() {
        return "Kahneman-Tversky Optimization: desirable/undesirable feedback around a KL reference point";
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
        double beta = p.number(BETA);
        boolean kto = p.string(LOSS_TYPE).equals("kto");
        TensorChecks.requireBinary(input, LABELS);
        NDArray logps = input.tensor(POLICY_LOGPS);
        NDArray refLogps = input.tensor(REFERENCE_LOGPS);
        NDArray desirable = input.tensor(LABELS).gt(0.5);
        long batch = logps.getShape().get(0);

        NDArray logRatios = logps.sub(refLogps);
        NDArray b = Scalars.of(logRatios, beta);
        NDArray one = Scalars.of(logRatios, 1.0);
        NDArray referencePoint;
        NDArray desirableLoss;
        NDArray undesirableLoss;
        if (kto) {
            for (String name : List.of(POLICY_KL_LOGPS, REFERENCE_KL_LOGPS)) {
                if (!input.has(name)) {
                    throw new InvalidInputException("tensors." + name, "required for loss_type=kto (the KL reference"
                            + " point from mismatched completions)");
                }
            }
            if (batch < 2) {
                // TRL raises for per_device_train_batch_size <= 1: the mismatched pair would be the example itself.
                throw new InvalidInputException("tensors." + POLICY_LOGPS + ".shape",
                        "loss_type=kto needs a batch of at least 2 (the KL estimate collapses onto the reward)");
            }
            NDArray kl = input.tensor(POLICY_KL_LOGPS).sub(input.tensor(REFERENCE_KL_LOGPS)).mean();
            referencePoint = kl.maximum(Scalars.of(kl, 0.0)).stopGradient();
            desirableLoss = StableMath.sigmoid(logRatios.sub(referencePoint).mul(b)).neg().add(one);
            undesirableLoss = StableMath.sigmoid(referencePoint.sub(logRatios).mul(b)).neg().add(one);
        } else {
            referencePoint = logRatios.zerosLike().sum();
            desirableLoss = StableMath.sigmoid(logRatios.mul(b)).neg().add(one);
            undesirableLoss = StableMath.sigmoid(logRatios.mul(b));
        }
        NDArray perExample = NDArrays.where(desirable, desirableLoss, undesirableLoss);
        NDArray weights = NDArrays.where(desirable,
                StableMath.constantLike(logRatios, p.number(DESIRABLE_WEIGHT)),
                StableMath.constantLike(logRatios, p.number(UNDESIRABLE_WEIGHT)));
        NDArray loss = perExample.mul(weights).mean();

        Metrics.Builder metrics = Metrics.builder().put(Metrics.KL, referencePoint);
        NDArray rewards = logRatios.mul(b).stopGradient().toType(DataType.FLOAT64, false);
        NDArray d = desirable.toType(DataType.FLOAT64, false);
        NDArray u = d.neg().add(Scalars.of(d, 1.0));
        NDArray lp = logps.stopGradient().toType(DataType.FLOAT64, false);
        double nDesirable = Metrics.scalar(d.sum());
        double nUndesirable = batch - nDesirable;
        // TRL only logs a class's keys when the class is present in the batch.
        if (nDesirable > 0) {
            NDArray count = Scalars.of(d, nDesirable);
            metrics.put(Metrics.REWARDS_CHOSEN, rewards.mul(d).sum().div(count))
                    .put(Metrics.LOGPS_CHOSEN, lp.mul(d).sum().div(count));
        }
        if (nUndesirable > 0) {
            NDArray count = Scalars.of(u, nUndesirable);
            metrics.put(Metrics.REWARDS_REJECTED, rewards.mul(u).sum().div(count))
                    .put(Metrics.LOGPS_REJECTED, lp.mul(u).sum().div(count));
        }
        Map<String, Double> partial = metrics.build();
        if (nDesirable > 0 && nUndesirable > 0) {
            metrics.put(Metrics.REWARDS_MARGINS,
                    partial.get(Metrics.REWARDS_CHOSEN) - partial.get(Metrics.REWARDS_REJECTED));
        }
        return new LossOutput(loss, metrics.build(), Map.of(
                "per_example_loss", perExample,
                "rewards", logRatios.mul(b).stopGradient()));
    }
}
