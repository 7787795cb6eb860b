package dev.plumbline.plugin.model.onnx;

import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.SequenceLogProbs;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One handle on a shared {@link OnnxCausalLm}. Calls run concurrently; {@link #close()} waits for
 * this handle's calls in flight and releases the model, whose session closes with its last handle.
 * Generation uses the KV cache whenever the graph has past inputs.
 */
final class OnnxLanguageModel implements LanguageModel {

    private final ModelDescriptor descriptor;
    private final OnnxModelCache cache;
    private final OnnxModelCache.Lease lease;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    OnnxLanguageModel(ModelDescriptor descriptor, OnnxModelCache cache, OnnxModelCache.Lease lease) {
        this.descriptor = descriptor;
        this.cache = cache;
        this.lease = lease;
    }

    @Override
    public ModelDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public Generation chat(List<ChatTurn> messages, GenerationSettings settings, Consumer<String> onText) {
        return locked(() -> lease.model().chat(messages, settings, onText, true));
    }

    @Override
    public Generation complete(String prompt, GenerationSettings settings, Consumer<String> onText) {
        return locked(() -> lease.model().complete(prompt, settings, onText, true));
    }

    @Override
    public List<SequenceLogProbs> logProbs(List<List<ChatTurn>> messages, List<String> completions) {
        return locked(() -> lease.model().logProbs(messages, completions));
    }

    /** The shared model, for tests that compare with full recomputation. */
    OnnxCausalLm model() {
        return lease.model();
    }

    private <T> T locked(Supplier<T> call) {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("model '" + descriptor.id() + "' is closed");
            }
            return call.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                cache.release(lease);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
