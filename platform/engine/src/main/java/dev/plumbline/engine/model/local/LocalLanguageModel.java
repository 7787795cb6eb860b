package dev.plumbline.engine.model.local;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.CompletionBatch;
import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ModelEngine;
import dev.plumbline.engine.model.ScoredSequence;
import dev.plumbline.engine.model.TokenLogProbs;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.engine.model.generate.Sampler;
import dev.plumbline.engine.model.tokenizer.Tokenizer;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.SequenceLogProbs;
import java.nio.file.Path;
import java.time.Duration;
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
 * <p>Thread-safe; {@link #close()} waits for calls in flight.
 *
 * <p><b>Dynamic batching.</b> Decoding one row at a time wastes a small model's step on per-operation
 * overhead: the {@link Generator} decodes a whole batch with a KV cache at nearly the cost of one
 * row. So concurrent {@link #chat}/{@link #complete} calls (an evaluation's generation pool, a
 * server's clients) are coalesced: calls that arrive while a batch with the same settings runs, or
 * within {@link Batching#window()} of the first, and that share every setting except the seed
 * (temperature, top-k, top-p, max new tokens, stop strings, stop token ids) are decoded together,
 * at most {@link Batching#maxRows()} rows (fewer when their KV cache would exceed
 * {@link Batching#maxCacheBytes()}). Calls with other settings run in their own batches,
 * concurrently. Streaming callbacks run on whichever caller's thread decodes the batch, each
 * receiving only its own row's text.
 *
 * <p><b>Determinism.</b> Batching does not change what a call returns: every row samples from its
 * own seed's stream (the settings' seed, or a fresh one when it is null), the stream a call decoded
 * alone uses, and its budget is {@code min(max_new_tokens, context - prompt length)} as alone.
 * The left-padded batch computes each row's logits equal to the row alone's up to float rounding
 * (|delta log p| within 5e-5 on the tiny test models), which flipped no token, greedy or sampled, in
 * the tests ({@code LocalModelBatchingTest}); only an exact near-tie between two tokens (greedy) or
 * a draw landing within that rounding of a cumulative-probability boundary (sampled) could differ.
 * A call rejected by validation fails alone.
 */
public final class LocalLanguageModel implements LanguageModel {

    /** Rows per forward when scoring log-probs. */
    private static final int SCORING_BATCH = 8;

    private final ModelDescriptor descriptor;
    private final NDManager manager;
    private final LocalCheckpoint checkpoint;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final GenerationBatcher batcher;
    private boolean closed;

    /**
     * How concurrent generation calls are batched (see the class comment).
     *
     * @param maxRows rows per batch at most; 1 turns batching off (each call decodes alone, concurrently)
     * @param window how long the first call of a batch waits for others to join; zero = no wait
     *     (calls still join while a batch with their settings runs)
     * @param maxCacheBytes a batch's KV cache at most (float32 keys and values of every layer for
     *     every row's padded prompt plus budget); a single row is never refused
     */
    public record Batching(int maxRows, Duration window, long maxCacheBytes) {

        public static final String MAX_ROWS_PROPERTY = "plumbline.local.batch.max-rows";
        public static final String WINDOW_PROPERTY = "plumbline.local.batch.window-ms";
        public static final String MAX_CACHE_PROPERTY = "plumbline.local.batch.max-cache-mb";

        public Batching {
            if (maxRows < 1 || window.isNegative() || maxCacheBytes < 0) {
                throw new IllegalArgumentException("batching needs max rows >= 1, a window >= 0 and a cache limit >= 0");
            }
        }

        /** No batching: each call decodes alone. */
        public static Batching off() {
            return new Batching(1, Duration.ZERO, 0);
        }

        /**
         * 64 rows, a 2 ms window, a 1 GiB KV cache; overridden by the system properties
         * {@value #MAX_ROWS_PROPERTY}, {@value #WINDOW_PROPERTY} (may be fractional) and
         * {@value #MAX_CACHE_PROPERTY}.
         */
        public static Batching defaults() {
            try {
                int rows = Integer.parseInt(System.getProperty(MAX_ROWS_PROPERTY, "64").trim());
                double ms = Double.parseDouble(System.getProperty(WINDOW_PROPERTY, "2").trim());
                long mb = Long.parseLong(System.getProperty(MAX_CACHE_PROPERTY, "1024").trim());
                return new Batching(rows, Duration.ofNanos(Math.round(ms * 1e6)), mb << 20);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("bad local batching property (" + MAX_ROWS_PROPERTY + ", "
                        + WINDOW_PROPERTY + ", " + MAX_CACHE_PROPERTY + "): " + e.getMessage(), e);
            }
        }
    }

    /** Generation batches decoded so far: how many, their rows in total, the largest. */
    public record BatchingStats(long batches, long rows, int largestBatch) {}

    private LocalLanguageModel(ModelDescriptor descriptor, NDManager manager, LocalCheckpoint checkpoint,
            Batching batching) {
        this.descriptor = descriptor;
        this.manager = manager;
        this.checkpoint = checkpoint;
        LlamaConfig config = checkpoint.model().config();
        long bytesPerToken = 2L * Float.BYTES * config.numHiddenLayers() * config.numKeyValueHeads() * config.headDim();
        Generator generator = new Generator(checkpoint.model(), checkpoint.tokenizer());
        this.batcher = new GenerationBatcher(generator::generate, batching.maxRows(), batching.window().toNanos(),
                batching.maxCacheBytes(), bytesPerToken, config.maxPositionEmbeddings());
    }

    /** Loads the checkpoint in {@code dir} into its own NDManager, batching as {@link Batching#defaults()}. */
    public static LocalLanguageModel open(ModelDescriptor descriptor, Path dir) {
        return open(descriptor, dir, Batching.defaults());
    }

    /** Loads the checkpoint in {@code dir} into its own NDManager. */
    public static LocalLanguageModel open(ModelDescriptor descriptor, Path dir, Batching batching) {
        NDManager manager = ModelEngine.newManager();
        try {
            return new LocalLanguageModel(descriptor, manager, LocalCheckpoint.load(dir, manager), batching);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** How well concurrent generation calls have batched so far. */
    public BatchingStats batchingStats() {
        return batcher.stats();
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
        Sampler.validate(settings); // here, so bad settings fail this call alone
        GenerationResult r = batcher.generate(ids, settings, stopIds, onText);
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
