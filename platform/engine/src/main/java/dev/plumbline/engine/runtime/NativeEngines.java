package dev.plumbline.engine.runtime;

/**
 * Which native ML engines this build carries. The gateway build leaves out the DJL PyTorch engine
 * and ONNX Runtime; features that need them report that instead of failing obscurely.
 */
public final class NativeEngines {

    private NativeEngines() {}

    public static boolean pytorch() {
        return present("ai.djl.pytorch.engine.PtEngineProvider");
    }

    public static boolean onnxRuntime() {
        return present("ai.onnxruntime.OrtEnvironment");
    }

    /** The sentence a service answers with when a feature needs an engine this build lacks. */
    public static String missing(String feature, String engine) {
        return feature + " needs " + engine + ", which this build of Plumbline does not include "
                + "(gateway/native build); use the full JVM build for it";
    }

    private static boolean present(String className) {
        try {
            // A fixed class name, not user input: safe for native images.
            Class.forName(className, false, NativeEngines.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
