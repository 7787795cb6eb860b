package dev.plumbline.engine.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Which examples micro-batch {@code k} of a run reads: each epoch is a fresh shuffle seeded by
 * (seed, epoch), batches are consecutive slices of it, the last one of an epoch may be short
 * (transformers' {@code drop_last=False}). A pure function of k, so a resumed run reads what an
 * uninterrupted one reads.
 */
final class EpochOrder {

    private final int size;
    private final int batchSize;
    private final long seed;
    private int cachedEpoch = -1;
    private List<Integer> cached;

    EpochOrder(int size, int batchSize, long seed) {
        if (size < 1) {
            throw new IllegalArgumentException("no examples");
        }
        this.size = size;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    int batchesPerEpoch() {
        return (size + batchSize - 1) / batchSize;
    }

    /** Example indexes of micro-batch {@code k} (0-based over the whole run). */
    List<Integer> batch(long k) {
        int epoch = (int) (k / batchesPerEpoch());
        int position = (int) (k % batchesPerEpoch());
        List<Integer> order = order(epoch);
        int from = position * batchSize;
        return List.copyOf(order.subList(from, Math.min(size, from + batchSize)));
    }

    /** Fractional epochs after {@code micro} micro-batches. */
    double epochAt(long micro) {
        return (double) micro / batchesPerEpoch();
    }

    /**
     * Optimizer steps for {@code epochs} passes (or {@code maxSteps} when > 0), with
     * {@code accumulation} micro-batches per step.
     */
    int totalSteps(int maxSteps, double epochs, int accumulation) {
        if (maxSteps > 0) {
            return maxSteps;
        }
        long micro = (long) Math.ceil(batchesPerEpoch() * epochs);
        return (int) Math.max(1, (micro + accumulation - 1) / accumulation);
    }

    private List<Integer> order(int epoch) {
        if (epoch != cachedEpoch) {
            List<Integer> shuffled = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                shuffled.add(i);
            }
            Collections.shuffle(shuffled, new Random(seed * 1_000_003L + epoch));
            cached = shuffled;
            cachedEpoch = epoch;
        }
        return cached;
    }
}
