package dev.plumbline.engine.loss.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.engine.loss.HostTensor;
import java.util.Map;

/**
 * One case of {@code loss-vectors.json}: {@code params} are the reference config values,
 * {@code inputs}/{@code expected} the raw JSON (numbers, booleans, 1-D and 2-D lists).
 */
public record VectorCase(String id, String algorithm, String variant, String lossType, Map<String, Object> params,
        JsonNode inputs, JsonNode expected) {

    /** A numeric parameter of the case. */
    public double param(String name) {
        Object v = params.get(name);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException(id + ": no numeric param " + name);
        }
        return n.doubleValue();
    }

    /** An input as a flat row-major array (booleans become 1/0; a number becomes one value). */
    public double[] input(String name) {
        return flatten(require(inputs, name, "inputs"));
    }

    /** An input as a tensor named {@code tensorName}, keeping its 0-, 1- or 2-D shape. */
    public HostTensor tensor(String inputName, String tensorName) {
        JsonNode node = require(inputs, inputName, "inputs");
        return new HostTensor(tensorName, shapeOf(node), flatten(node));
    }

    /** An expected value as a flat array. */
    public double[] expected(String name) {
        return flatten(require(expected, name, "expected"));
    }

    /** An expected scalar. */
    public double expectedScalar(String name) {
        JsonNode node = require(expected, name, "expected");
        if (!node.isNumber()) {
            throw new IllegalArgumentException(id + ": expected." + name + " is not a number");
        }
        return node.doubleValue();
    }

    public boolean hasExpected(String name) {
        return expected.has(name);
    }

    /** The expected metrics (empty if the case lists none). */
    public Map<String, Double> expectedMetrics() {
        Map<String, Double> m = new java.util.LinkedHashMap<>();
        expected.path("metrics").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().doubleValue()));
        return m;
    }

    private JsonNode require(JsonNode parent, String name, String where) {
        JsonNode node = parent.get(name);
        if (node == null) {
            throw new IllegalArgumentException(id + ": no " + where + "." + name);
        }
        return node;
    }

    static long[] shapeOf(JsonNode node) {
        if (!node.isArray()) {
            return new long[0];
        }
        if (node.size() > 0 && node.get(0).isArray()) {
            return new long[] {node.size(), node.get(0).size()};
        }
        return new long[] {node.size()};
    }

    static double[] flatten(JsonNode node) {
        if (!node.isArray()) {
            return new double[] {number(node)};
        }
        java.util.List<Double> out = new java.util.ArrayList<>();
        for (JsonNode row : node) {
            if (row.isArray()) {
                for (JsonNode x : row) {
                    out.add(number(x));
                }
            } else {
                out.add(number(row));
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double number(JsonNode x) {
        if (x.isBoolean()) {
            return x.booleanValue() ? 1.0 : 0.0;
        }
        if (!x.isNumber()) {
            throw new IllegalArgumentException("not a number: " + x);
        }
        return x.doubleValue();
    }

    @Override
    public String toString() {
        return id;
    }
}
