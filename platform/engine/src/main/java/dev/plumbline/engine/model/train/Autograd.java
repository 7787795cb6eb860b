package dev.plumbline.engine.model.train;

import ai.djl.training.GradientCollector;
import dev.plumbline.engine.model.ModelEngine;
import java.util.concurrent.TimeUnit;

/**
 * Opens DJL gradient collectors. DJL's PyTorch engine allows one active collector per JVM, and the
 * loss kernel or another trainer may hold it: wait for it instead of failing. Hold a collector only
 * for one forward and backward.
 */
public final class Autograd {

    private static final long WAIT_MILLIS = 120_000;

    private Autograd() {}

    public static GradientCollector collector() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (true) {
            try {
                return ModelEngine.engine().newGradientCollector();
            } catch (IllegalStateException busy) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("another GradientCollector stayed active for " + WAIT_MILLIS
                            + " ms", busy);
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
