package dev.plumbline.engine.loss;

import ai.djl.ndarray.NDArray;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.TensorSpec;
import dev.plumbline.spi.loss.Metrics;
import dev.plumbline.spi.loss.Scalars;
import dev.plumbline.spi.loss.StableMath;
import java.util.List;
import java.util.Map;

/**
 * A small algorithm for the kernel's own tests (the real plugins depend on the engine only in test
 * scope, so they cannot be used here):
 * {@code loss = mean(softplus(-beta (x - y))) + [mean(w^2)] + [c^2]}.
 */
class ToyLogisticAlgorithm implements Algorithm {

    @Override
    public String id() {
        return "toy-logistic";
    }

    @Override
    public String description() {
        return "test algorithm";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.number("beta", 1.0, 0.0, 10.0, "scale"),
                ParameterSpec.integer("group", 1L, 1L, 100L, "must divide B"));
    }

    @Override
    public List<TensorSpec> tensors() {
        return List.of(
                TensorSpec.input("x", List.of("B"), "differentiable"),
                TensorSpec.constant("y", List.of("B"), "constant"),
                TensorSpec.input("w", List.of("B", "T"), "optional differentiable").optional(),
                TensorSpec.input("c", List.of(), "optional scalar").optional(),
                TensorSpec.constant("pair", List.of("2", "B"), "fixed first dimension").optional());
    }

    @Override
    public LossOutput loss(LossInput input) {
        double beta = input.parameters().number("beta");
        long batch = input.tensor("x").getShape().get(0);
        if (batch % input.parameters().integer("group") != 0) {
            throw new InvalidInputException("parameters.group", "does not divide B=" + batch);
        }
        NDArray x = input.tensor("x");
        NDArray margin = x.sub(input.tensor("y")).mul(Scalars.of(x, beta));
        NDArray perSample = StableMath.softplus(margin.neg());
        NDArray loss = perSample.mean();
        if (input.has("w")) {
            loss = loss.add(input.tensor("w").square().mean());
        }
        if (input.has("c")) {
            loss = loss.add(input.tensor("c").square());
        }
        return new LossOutput(loss, Map.of("mean_x", Metrics.scalar(input.tensor("x").mean()), "z_last", 1.0),
                Map.of("per_sample", perSample, "margin", margin.stopGradient()));
    }
}
