package dev.plumbline.engine.model.local;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.CompletionBatch;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ModelEngine;
import dev.plumbline.engine.model.ScoredSequence;
import dev.plumbline.engine.model.TokenLogProbs;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.engine.model.tokenizer.Tokenizer;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.SequenceLogProbs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * A local checkpoint served through the SPI. Prompts longer than the model's context are rejected
 * with an {@link InvalidInputException} (never silently truncated); max new tokens is cut to the
 * room the context leaves, and such a reply reports {@code finishedByLength}.
 *
 * <p>Thread-safe: concurrent calls run concurrently over the shared, read-only weights (each with
 * its own arrays and KV cache); {@link #close()} waits for calls in flight.
 */
public final class LocalLanguageModel implements LanguageModel {

    /** Rows per forward when scoring log-probs. */
    private static final int SCORING_BATCH = 8;

    private final ModelDescriptor descriptor;
    private final NDManager manager;
    private final LocalCheckpoint checkpoint;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private LocalLanguageModel(ModelDescriptor descriptor, NDManager manager, LocalCheckpoint checkpoint) {
        this.descriptor = descriptor;
        this.manager = manager;
        this.checkpoint = checkpoint;
    }

    /** Loads the checkpoint in {@code dir} into its own NDManager. */
    public static LocalLanguageModel open(ModelDescriptor descriptor, Path dir) {
        NDManager manager = ModelEngine.newManager();
        try {
            return new LocalLanguageModel(descriptor, manager, LocalCheckpoint.load(dir, manager));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The loaded model, tokenizer and chat format, for engine code (batched generation, scoring). */
    public LocalCheckpoint checkpoint() {
        return checkpoint;
    }

    @Override
    public ModelDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public Generation chat(List<ChatTurn> messages, GenerationSettings settings, Consumer<String> onText) {
        if (messages == null || messages.isEmpty()) {
            throw new InvalidInputException("messages", "is empty");
        }
        return locked(() -> {
            String prompt = checkpoint.chatFormat().render(messages, true);
            long[] ids = checkpoint.tokenizer().encode(prompt, false);
            checkContext("messages", ids.length, 1);
            List<String> stops = new ArrayList<>(settings.stop());
            String endOfTurn = checkpoint.chatFormat().endOfTurn();
            // An end marker the tokenizer splits into pieces can only be caught as text.
            if (endOfTurn != null && !endOfTurn.isEmpty() && checkpoint.endOfTurnId().isEmpty()
                    && !stops.contains(endOfTurn)) {
                stops.add(endOfTurn);
            }
            GenerationSettings effective = new GenerationSettings(settings.temperature(), settings.maxNewTokens(),
                    settings.topK(), settings.topP(), stops, settings.seed());
            return generate(ids, effective, checkpoint.stopTokenIds(), onText);
        });
    }

    @Override
    public Generation complete(String prompt, GenerationSettings settings, Consumer<String> onText) {
        if (prompt == null || prompt.isEmpty()) {
            throw new InvalidInputException("prompt", "is empty");
        }
        return locked(() -> {
            long[] ids = checkpoint.tokenizer().encode(prompt, true);
            checkContext("prompt", ids.length, 1);
            Set<Long> stops = new LinkedHashSet<>(checkpoint.model().config().eosTokenIds());
            Long eos = checkpoint.tokenizer().specialTokens().eosId();
            if (eos != null) {
                stops.add(eos);
            }
            return generate(ids, settings, stops, onText);
        });
    }

    private Generation generate(long[] ids, GenerationSettings settings, Set<Long> stopIds, Consumer<String> onText) {
        Consumer<String> sink = onText == null ? text -> {} : onText;
        GenerationResult r = new Generator(checkpoint.model(), checkpoint.tokenizer())
                .generate(List.of(ids), settings, stopIds, (row, text) -> sink.accept(text)).get(0);
        List<Long> tokens = new ArrayList<>(r.tokenIds().length);
        for (long id : r.tokenIds()) {
            tokens.add(id);
        }
        return new Generation(r.text(), tokens, r.promptTokens(), r.finishedByLength());
    }

    @Override
    public List<SequenceLogProbs> logProbs(List<List<ChatTurn>> messages, List<String> completions) {
        if (messages.size() != completions.size()) {
            throw new InvalidInputException("completions", "has " + completions.size() + " entries for "
                    + messages.size() + " conversations");
        }
        return locked(() -> {
            Tokenizer tokenizer = checkpoint.tokenizer();
            List<ScoredSequence> sequences = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                if (messages.get(i) == null || messages.get(i).isEmpty()) {
                    throw new InvalidInputException("messages[" + i + "]", "is empty");
                }
                if (completions.get(i) == null || completions.get(i).isEmpty()) {
                    throw new InvalidInputException("completions[" + i + "]", "is empty");
                }
                long[] prompt = tokenizer.encode(checkpoint.chatFormat().render(messages.get(i), true), false);
                long[] completion = tokenizer.encode(completions.get(i), false);
                if (prompt.length + completion.length > contextLength()) {
                    throw new InvalidInputException("completions[" + i + "]", "conversation plus completion is "
                            + (prompt.length + completion.length) + " tokens; the model's context is "
                            + contextLength() + " tokens");
                }
                sequences.add(ScoredSequence.of(prompt, completion));
            }
            List<SequenceLogProbs> out = new ArrayList<>();
            LlamaModel model = checkpoint.model();
            Long pad = tokenizer.specialTokens().padId();
            for (int start = 0; start < sequences.size(); start += SCORING_BATCH) {
                List<ScoredSequence> chunk = sequences.subList(start, Math.min(sequences.size(),
                        start + SCORING_BATCH));
                CompletionBatch batch = CompletionBatch.of(chunk, pad == null ? 0 : pad);
                float[] lp;
                try (NDManager step = model.manager().newSubManager()) {
                    lp = TokenLogProbs.of(model, batch, step).toFloatArray();
                }
                for (int r = 0; r < chunk.size(); r++) {
                    ScoredSequence s = chunk.get(r);
                    List<Double> values = new ArrayList<>();
                    List<Long> ids = new ArrayList<>();
                    List<String> texts = new ArrayList<>();
                    for (int j = 1; j < s.length(); j++) {
                        if (s.targets()[j]) {
                            values.add((double) lp[r * batch.length() + j - 1]);
                            ids.add(s.tokens()[j]);
                            texts.add(tokenizer.decode(new long[] {s.tokens()[j]}, false));
                        }
                    }
                    out.add(new SequenceLogProbs(values, ids, texts));
                }
            }
            return out;
        });
    }

    private int contextLength() {
        return checkpoint.model().config().maxPositionEmbeddings();
    }

    private void checkContext(String field, int promptTokens, int room) {
        if (promptTokens + room > contextLength()) {
            throw new InvalidInputException(field, "the prompt is " + promptTokens + " tokens; the model's context is "
                    + contextLength() + " tokens (prompts are not truncated)");
        }
    }

    private <T> T locked(java.util.function.Supplier<T> call) {
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
                try {
                    checkpoint.close();
                } finally {
                    manager.close();
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
