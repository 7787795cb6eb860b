package dev.plumbline.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for the positions already processed, preallocated to a fixed
 * capacity ({@code [B, kvHeads, capacity, headDim]} per layer) and written in place, so a
 * decoding step copies only its own new entries instead of re-concatenating the whole history.
 * Positions are cache slots, not token positions: with left padding a row's pads occupy slots too
 * (masked out by the attention mask) while its rotary positions start at its first real token.
 */
public final class KvCache implements AutoCloseable {

    private final NDArray[] keys;
    private final NDArray[] values;
    private final int batchSize;
    private final int capacity;
    private int length;

    KvCache(NDManager manager, LlamaConfig config, int batchSize, int capacity) {
        if (capacity <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("batch size and capacity must be > 0");
        }
        this.batchSize = batchSize;
        this.capacity = capacity;
        int layers = config.numHiddenLayers();
        keys = new NDArray[layers];
        values = new NDArray[layers];
        Shape shape = new Shape(batchSize, config.numKeyValueHeads(), capacity, config.headDim());
        for (int i = 0; i < layers; i++) {
            keys[i] = manager.zeros(shape, DataType.FLOAT32);
            values[i] = manager.zeros(shape, DataType.FLOAT32);
        }
    }

    /** Slots filled so far. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int batchSize() {
        return batchSize;
    }

    /**
     * Writes this step's {@code k, v [B, kvHeads, T, headDim]} for {@code layer} after the filled
     * slots and returns views of all keys and values up to and including them.
     */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        int t = (int) k.getShape().get(2);
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache overflow: " + length + " + " + t + " > capacity " + capacity);
        }
        NDIndex slot = new NDIndex().addAllDim(2).addSliceDim(length, length + t);
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
        NDIndex filled = new NDIndex().addAllDim(2).addSliceDim(0, length + t);
        // Views land in k's (the step's) manager so they are freed with the step.
        return new NDArray[] {keys[layer].get(k.getManager(), filled), values[layer].get(k.getManager(), filled)};
    }

    /** Marks {@code t} more slots as filled; called once per forward, after every layer appended. */
    void advance(int t) {
        length += t;
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            keys[i].close();
            values[i].close();
        }
    }
}
