package dev.plumbline.plugin.dpo;

import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.TensorSpec;
import java.util.List;

/**
 * Contrastive Preference Optimization — TRL {@code trl/experimental/cpo/cpo_trainer.py}
 * (defaults from {@code CPOConfig}): a reference-free preference loss plus an NLL term on the
 * chosen completion. See {@link CpoLoss} for the formula.
 */
public final class CpoAlgorithm implements Algorithm {

    static final String POLICY_CHOSEN = "policy_chosen_logps";
    static final String POLICY_REJECTED = "policy_rejected_logps";

    private static final List<ParameterSpec> PARAMETERS = List.of(
            CpoLoss.beta(),
            ParameterSpec.choice(CpoLoss.LOSS_TYPE, "sigmoid", List.of("sigmoid", "hinge", "ipo", "simpo"),
                    "preference loss (TRL CPOConfig.loss_type); sigmoid/hinge take summed log-probs, ipo/simpo"
                            + " length-averaged ones"),
            CpoLoss.labelSmoothing(),
            CpoLoss.cpoAlpha(1.0),
            CpoLoss.simpoGamma());

    private static final List<TensorSpec> TENSORS = List.of(
            TensorSpec.input(POLICY_CHOSEN, List.of("B"),
                    "log pi(y_w|x) of the chosen completion: summed over completion tokens for loss_type sigmoid/hinge,"
                            + " averaged over them for ipo/simpo (TRL get_batch_logps(average_log_prob))"),
            TensorSpec.input(POLICY_REJECTED, List.of("B"),
                    "log pi(y_l|x) of the rejected completion, summed or averaged like policy_chosen_logps"),
            CpoLoss.nllLossSpec());

    @Override
    public String id() {
        return "cpo";
    }

    @Override
    public String description() {
        return "Contrastive Preference Optimization: reference-free preference loss plus NLL on the chosen response";
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
        return CpoLoss.compute(input, input.parameters().string(CpoLoss.LOSS_TYPE), input.tensor(POLICY_CHOSEN),
                input.tensor(POLICY_REJECTED));
    }
}
