package dev.plumbline.plugin.dpo;

import ai.djl.ndarray.NDArray;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.Scalars;
import dev.plumbline.spi.loss.TensorChecks;
import java.util.List;

/**
 * The batch of an offline pairwise preference loss with a reference model (DPO, IPO): summed
 * completion log-probs of the chosen and rejected responses under the policy and the reference,
 * plus optional completion lengths for the length-normalised variants.
 */
record PairedLogps(NDArray policyChosen, NDArray policyRejected, NDArray referenceChosen,
        NDArray referenceRejected, NDArray chosenLengths, NDArray rejectedLengths) {

    static final String POLICY_CHOSEN = "policy_chosen_logps";
    static final String POLICY_REJECTED = "policy_rejected_logps";
    static final String REFERENCE_CHOSEN = "reference_chosen_logps";
    static final String REFERENCE_REJECTED = "reference_rejected_logps";
    static final String CHOSEN_LENGTHS = "chosen_lengths";
    static final String REJECTED_LENGTHS = "rejected_lengths";

    static final List<TensorSpec> SPECS = List.of(
            TensorSpec.input(POLICY_CHOSEN, List.of("B"),
                    "log pi(y_w|x) of the chosen completion, summed over its completion tokens (prompt and padding excluded)"),
            TensorSpec.input(POLICY_REJECTED, List.of("B"),
                    "log pi(y_l|x) of the rejected completion, summed over its completion tokens"),
            TensorSpec.constant(REFERENCE_CHOSEN, List.of("B"),
                    "log pi_ref(y_w|x) under the frozen reference model, summed over completion tokens"),
            TensorSpec.constant(REFERENCE_REJECTED, List.of("B"),
                    "log pi_ref(y_l|x) under the frozen reference model, summed over completion tokens"),
            TensorSpec.constant(CHOSEN_LENGTHS, List.of("B"),
                    "number of completion tokens of the chosen response (TRL completion_mask.sum, clamped to >= 1);"
                            + " needed by the length-normalised losses").optional(),
            TensorSpec.constant(REJECTED_LENGTHS, List.of("B"),
                    "number of completion tokens of the rejected response; needed by the length-normalised losses")
                    .optional());

    /** Reads the batch; {@code lengthsNeededBy} non-null makes the length tensors mandatory. */
    static PairedLogps read(LossInput in, String lengthsNeededBy) {
        NDArray chosenLengths = null;
        NDArray rejectedLengths = null;
        if (lengthsNeededBy != null) {
            for (String name : List.of(CHOSEN_LENGTHS, REJECTED_LENGTHS)) {
                if (!in.has(name)) {
                    throw new InvalidInputException("tensors." + name, "required by " + lengthsNeededBy);
                }
                TensorChecks.requireAtLeast(in, name, 0.0, "a token count");
            }
            // TRL: completion_mask.sum(dim=1).clamp(min=1.0)
            NDArray one = Scalars.of(in.tensor(CHOSEN_LENGTHS), 1.0);
            chosenLengths = in.tensor(CHOSEN_LENGTHS).maximum(one);
            rejectedLengths = in.tensor(REJECTED_LENGTHS).maximum(one);
        }
        return new PairedLogps(in.tensor(POLICY_CHOSEN), in.tensor(POLICY_REJECTED), in.tensor(REFERENCE_CHOSEN),
                in.tensor(REFERENCE_REJECTED), chosenLengths, rejectedLengths);
    }

    /** {@code r_w = log pi(y_w) - log pi_ref(y_w)}. */
    NDArray chosenLogRatios() {
        return policyChosen.sub(referenceChosen);
    }

    /** {@code r_l = log pi(y_l) - log pi_ref(y_l)}. */
    NDArray rejectedLogRatios() {
        return policyRejected.sub(referenceRejected);
    }
}
