package dev.plumbline.engine.loss;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.Algorithm;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LossInput;
import dev.plumbline.spi.LossOutput;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Computes an algorithm plugin's loss, metrics and gradients for host tensors: what the gRPC
 * {@code LossService} serves to trainers written in other languages, and what the tests use to
 * check every plugin against the reference vectors.
 *
 * <p>Each call validates its input (client mistakes become {@link InvalidInputException}s with a
 * field path), creates the tensors in a fresh {@link NDManager} (closed before returning), runs
 * the plugin's loss under a {@link GradientCollector} when gradients are wanted and copies
 * everything back to host memory.
 *
 * <p>Thread-safe. DJL's PyTorch engine allows only one active {@code GradientCollector} per JVM,
 * so calls that want gradients are serialised; calls without gradients run concurrently.
 */
public final class LossKernel {

    /** The engine whose autograd computes the gradients. */
    public static final String ENGINE = "PyTorch";

    /** One gradient collector at a time per JVM (PtGradientCollector keeps a static flag). */
    private static final ReentrantLock AUTOGRAD = new ReentrantLock(true);

    /** How long to wait for a collector held by code outside this class (e.g. a trainer). */
    private static final long COLLECTOR_WAIT_MILLIS = 60_000;

    /**
     * Testing only: when this system property is {@code true}, every gradient computation runs the
     * garbage collector (and waits for the cleaner) between the forward pass and backward, so a
     * loss whose autograd graph depends on a Java buffer nobody references (DJL's {@code x.mul(2.0)}
     * and friends) fails deterministically instead of once in a while. Off in production.
     */
    public static final String GC_BEFORE_BACKWARD_PROPERTY = "plumbline.loss.gcBeforeBackward";

    private final PluginRegistry registry;
    private volatile Engine engine;

    public LossKernel(PluginRegistry registry) {
        this.registry = java.util.Objects.requireNonNull(registry, "registry");
    }

    /**
     * @param algorithmId a registered algorithm id, e.g. {@code dpo}
     * @param parameters parameter values as {@link Number}, {@link String} or {@link Boolean};
     *     missing ones take the plugin's defaults
     * @param tensors named row-major tensors matching the algorithm's {@link TensorSpec}s
     * @param float64 compute in float64 (else float32)
     * @param wantGradients also return {@code d loss / d input} for the differentiable inputs
     * @throws InvalidInputException for every client mistake, naming the field
     */
    public LossResult compute(String algorithmId, Map<String, Object> parameters, List<HostTensor> tensors,
            boolean float64, boolean wantGradients) {
        Algorithm algorithm = registry.algorithm(algorithmId);
        Parameters resolved = Parameters.resolve(algorithm.parameters(),
                parameters == null ? Map.of() : parameters, "parameters");
        Map<String, HostTensor> supplied = TensorValidator.validate(algorithm.id(), algorithm.tensors(), tensors,
                float64);
        Map<String, TensorSpec> specs = new HashMap<>();
        for (TensorSpec spec : algorithm.tensors()) {
            specs.put(spec.name(), spec);
        }
        Engine pytorch = engine();
        if (!wantGradients) {
            try (NDManager manager = pytorch.newBaseManager(Device.cpu())) {
                return run(algorithm, resolved, supplied, specs, float64, false, manager, pytorch);
            }
        }
        lockAutograd();
        try (NDManager manager = pytorch.newBaseManager(Device.cpu())) {
            return run(algorithm, resolved, supplied, specs, float64, true, manager, pytorch);
        } finally {
            AUTOGRAD.unlock();
        }
    }

    private LossResult run(Algorithm algorithm, Parameters parameters, Map<String, HostTensor> supplied,
            Map<String, TensorSpec> specs, boolean float64, boolean wantGradients, NDManager manager, Engine pytorch) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        List<String> differentiable = new ArrayList<>();
        for (HostTensor t : supplied.values()) {
            NDArray array = toArray(manager, t, float64);
            if (wantGradients && specs.get(t.name()).differentiable()) {
                array.setRequiresGradient(true);
                differentiable.add(t.name());
            }
            arrays.put(t.name(), array);
        }
        LossInput input = new LossInput(parameters, arrays, manager);
        LossOutput output;
        List<HostTensor> gradients = new ArrayList<>();
        if (wantGradients && !differentiable.isEmpty()) {
            try (GradientCollector collector = newCollector(pytorch)) {
                output = algorithm.loss(input);
                NDArray loss = checkedLoss(algorithm, output);
                collectGarbageIfTesting();
                boolean attached = backward(collector, loss);
                for (String name : differentiable) {
                    NDArray array = arrays.get(name);
                    // A loss that does not depend on any input (a degenerate configuration) has zero gradients.
                    gradients.add(attached ? toHost(name, array.getGradient())
                            : new HostTensor(name, array.getShape().getShape(), new double[(int) array.size()]));
                }
            }
        } else {
            output = algorithm.loss(input);
            checkedLoss(algorithm, output);
        }
        double loss = toDoubles(output.loss())[0];
        List<HostTensor> outputs = new ArrayList<>();
        new TreeMap<>(output.outputs()).forEach((name, array) -> outputs.add(toHost(name, array)));
        return new LossResult(loss, output.metrics(), gradients, outputs);
    }

    /** See {@link #GC_BEFORE_BACKWARD_PROPERTY}. */
    private static void collectGarbageIfTesting() {
        if (!Boolean.getBoolean(GC_BEFORE_BACKWARD_PROPERTY)) {
            return;
        }
        for (int i = 0; i < 2; i++) {
            System.gc();
            System.runFinalization();
            try {
                Thread.sleep(10); // direct buffers are freed by the Cleaner thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Runs backward; false if the loss does not depend on any input that requires a gradient. */
    private static boolean backward(GradientCollector collector, NDArray loss) {
        try {
            collector.backward(loss);
            return true;
        } catch (EngineException e) {
            // DJL cannot tell beforehand (hasGradient() is false for every non-leaf array); torch says so here.
            if (e.getMessage() != null && e.getMessage().contains("does not require grad")) {
                return false;
            }
            throw e;
        }
    }

    private static NDArray checkedLoss(Algorithm algorithm, LossOutput output) {
        NDArray loss = output.loss();
        if (loss == null || loss.size() != 1) {
            throw new IllegalStateException("algorithm " + algorithm.id() + " returned a non-scalar loss "
                    + (loss == null ? "null" : loss.getShape()));
        }
        return loss.getShape().isScalar() ? loss : loss.reshape(new Shape());
    }

    private static NDArray toArray(NDManager manager, HostTensor t, boolean float64) {
        Shape shape = new Shape(t.shape());
        if (float64) {
            return manager.create(t.values(), shape);
        }
        // Narrow straight into the direct buffer the native tensor is made from (no float[] in between).
        double[] v = t.values();
        ByteBuffer buffer = manager.allocateDirect(v.length * Float.BYTES);
        FloatBuffer floats = buffer.asFloatBuffer();
        for (int i = 0; i < v.length; i++) {
            floats.put(i, (float) v[i]);
        }
        return manager.create(buffer, shape, DataType.FLOAT32);
    }

    private static HostTensor toHost(String name, NDArray array) {
        return new HostTensor(name, array.getShape().getShape(), toDoubles(array));
    }

    private static double[] toDoubles(NDArray array) {
        NDArray detached = array.stopGradient();
        DataType type = detached.getDataType();
        if (type == DataType.FLOAT64) {
            return detached.toDoubleArray();
        }
        if (type == DataType.FLOAT32) {
            // Widen on the host instead of a native float64 copy of the tensor.
            FloatBuffer floats = detached.toByteBuffer().asFloatBuffer();
            double[] values = new double[floats.remaining()];
            for (int i = 0; i < values.length; i++) {
                values[i] = floats.get(i);
            }
            return values;
        }
        return detached.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private Engine engine() {
        Engine e = engine;
        if (e == null) {
            if (!Engine.hasEngine(ENGINE)) {
                throw new IllegalStateException("the " + ENGINE + " engine is not on the classpath; the loss kernel"
                        + " needs ai.djl.pytorch:pytorch-engine, pytorch-jni and pytorch-native-cpu");
            }
            e = Engine.getEngine(ENGINE);
            engine = e;
        }
        return e;
    }

    private static void lockAutograd() {
        try {
            if (!AUTOGRAD.tryLock(COLLECTOR_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("timed out waiting for the autograd lock");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the autograd lock", e);
        }
    }

    /** Another component of the JVM (a local trainer) may hold DJL's single collector: wait for it. */
    private static GradientCollector newCollector(Engine pytorch) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COLLECTOR_WAIT_MILLIS);
        while (true) {
            try {
                return pytorch.newGradientCollector();
            } catch (IllegalStateException busy) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("another GradientCollector stayed active for "
                            + COLLECTOR_WAIT_MILLIS + " ms", busy);
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for a GradientCollector", e);
                }
            }
        }
    }
}
