package dev.plumbline.engine.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.runtime.NativeEngines;

/** The DJL engine local models run on: PyTorch on the CPU (its autograd trains them). */
public final class ModelEngine {

    public static final String NAME = "PyTorch";

    private ModelEngine() {}

    /** True when this build carries the PyTorch engine. */
    public static boolean available() {
        return NativeEngines.pytorch() && Engine.hasEngine(NAME);
    }

    public static Engine engine() {
        if (!available()) {
            throw new IllegalStateException(NativeEngines.missing("local language models", "DJL PyTorch"));
        }
        return Engine.getEngine(NAME);
    }

    /** A root manager on the CPU; close it to free everything created in it. */
    public static NDManager newManager() {
        return engine().newBaseManager(Device.cpu());
    }
}
