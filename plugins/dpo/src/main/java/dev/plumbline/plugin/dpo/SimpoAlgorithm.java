package dev.plumbline.plugin.dpo;

import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.TensorSpec;
import java.util.List;

/**
 * SimPO — TRL {@code CPOTrainer} with {@code loss_type="simpo"} and {@code cpo_alpha=0} (SimPO proper
 * per the TRL docs): {@code -log sigmoid(beta (avg l_w - avg l_l) - gamma)} on length-averaged
 * log-probs, no reference model. {@code cpo_alpha > 0} gives CPO-SimPO.
 */
public final class SimpoAlgorithm implements Algorithm {

    static final String POLICY_CHOSEN = "policy_chosen_avg_logps";
    static final String POLICY_REJECTED = "policy_rejected_avg_logps";

    private static final List<ParameterSpec> PARAMETERS = List.of(
            CpoLoss.beta(),
            CpoLoss.simpoGamma(),
            CpoLoss.labelSmoothing(),
            CpoLoss.cpoAlpha(0.0));

    private static final List<TensorSpec> TENSORS = List.of(
            TensorSpec.input(POLICY_CHOSEN, List.of("B"),
                    "log pi(y_w|x) of the chosen completion averaged over its completion tokens"),
            TensorSpec.input(POLICY_REJECTED, List.of("B"),
                    "log pi(y_l|x) of the rejected completion averaged over its completion tokens"),
            CpoLoss.nllLossSpec());

    @Override
    public String id() {
        return "simpo";
    }

    @Override
    public String description() {
        return "SimPO: reference-free sigmoid loss on length-averaged log-probs with a target margin gamma";
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
        return CpoLoss.compute(input, "simpo", input.tensor(POLICY_CHOSEN), input.tensor(POLICY_REJECTED));
    }
}
