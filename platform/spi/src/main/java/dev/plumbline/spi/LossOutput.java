package dev.plumbline.spi;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * @param loss the scalar the optimizer differentiates
 * @param metrics this batch's metrics under the reference implementation's log keys
 * @param outputs per-sample intermediate values worth returning (per-pair losses, advantages)
 */
public record LossOutput(NDArray loss, Map<String, Double> metrics, Map<String, NDArray> outputs) {

    public LossOutput {
        metrics = Map.copyOf(metrics);
        outputs = Map.copyOf(outputs);
    }
}
