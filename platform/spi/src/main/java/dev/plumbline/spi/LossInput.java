package dev.plumbline.spi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.Optional;

/**
 * A validated batch for {@link Algorithm#loss}: every required tensor is present, finite and
 * consistent with the symbolic shapes of {@link Algorithm#tensors()}; parameters are resolved.
 */
public record LossInput(Parameters parameters, Map<String, NDArray> tensors, NDManager manager) {

    public LossInput {
        tensors = Map.copyOf(tensors);
    }

    public NDArray tensor(String name) {
        NDArray t = tensors.get(name);
        if (t == null) {
            throw new InvalidInputException("tensors." + name, "required tensor is missing");
        }
        return t;
    }

    public Optional<NDArray> optional(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }
}
