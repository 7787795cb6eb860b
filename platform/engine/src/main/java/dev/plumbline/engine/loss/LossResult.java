package dev.plumbline.engine.loss;

import java.util.List;
import java.util.Map;

/**
 * The result of one {@link LossKernel#compute} call.
 *
 * @param loss the scalar the optimizer differentiates
 * @param metrics the algorithm's metrics under the reference's log keys, sorted by key
 * @param gradients {@code d loss / d input} for every differentiable input that was supplied, same
 *     names and shapes as the inputs, in the order of the algorithm's tensor specs; empty unless
 *     gradients were requested
 * @param outputs per-sample intermediate values (per-pair losses, advantages, ...), sorted by name
 */
public record LossResult(double loss, Map<String, Double> metrics, List<HostTensor> gradients,
        List<HostTensor> outputs) {

    public LossResult {
        metrics = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(metrics));
        gradients = List.copyOf(gradients);
        outputs = List.copyOf(outputs);
    }

    /** The gradient for one input, if it was returned. */
    public java.util.Optional<HostTensor> gradient(String name) {
        return gradients.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    /** One output by name, if the algorithm produced it. */
    public java.util.Optional<HostTensor> output(String name) {
        return outputs.stream().filter(o -> o.name().equals(name)).findFirst();
    }
}
