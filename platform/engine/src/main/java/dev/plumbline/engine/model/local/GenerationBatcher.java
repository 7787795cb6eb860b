package dev.plumbline.engine.model.local;

import dev.plumbline.engine.model.generate.GenerationListener;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Dynamic batching of one model's generation requests: concurrent requests that share everything
 * but the prompt and the seed ({@link Key}) are decoded as one batch, each row with its own seed.
 *
 * <p>Requests queue in a lane per key. At most one batch per lane runs at a time; requests arriving
 * meanwhile wait and form the next batch. The thread that finds its lane idle leads: it waits up to
 * {@code window} for the batch to fill, takes up to {@code maxRows} queued requests (fewer when
 * their KV cache would exceed {@code maxCacheBytes}), decodes them on its own thread, hands each
 * caller its result and passes the lead to the oldest request still queued. Different lanes run
 * concurrently, as unbatched calls did. No extra threads: streaming callbacks run on the leader's
 * thread, in order per row.
 *
 * <p>A row's result does not depend on the batch: each samples from its own seed's stream (see
 * {@link dev.plumbline.engine.model.generate.Generator#generate(List, GenerationSettings, long[], Set,
 * GenerationListener)}). A request that the batch decoder rejects ({@link InvalidInputException})
 * is retried alone, so it fails alone; an exception from one caller's callback fails only that
 * caller.
 */
final class GenerationBatcher {

    /** Decodes a batch, one seed per row (the Generator's seeded overload). */
    @FunctionalInterface
    interface BatchDecoder {
        List<GenerationResult> decode(List<long[]> prompts, GenerationSettings settings, long[] seeds,
                Set<Long> stopTokenIds, GenerationListener listener);
    }

    /** What the rows of one batch share: the settings except the seed, and the stop token ids. */
    record Key(double temperature, int maxNewTokens, int topK, double topP, List<String> stop, Set<Long> stopIds) {

        static Key of(GenerationSettings s, Set<Long> stopIds) {
            return new Key(s.temperature(), s.maxNewTokens(), s.topK(), s.topP(), List.copyOf(s.stop()),
                    Set.copyOf(stopIds));
        }

        GenerationSettings settings() {
            return new GenerationSettings(temperature, maxNewTokens, topK, topP, stop, null);
        }
    }

    private final BatchDecoder decoder;
    private final int maxRows;
    private final long windowNanos;
    private final long maxCacheBytes;
    private final long cacheBytesPerToken;
    private final int context;
    /** Lanes with a running or gathering batch; guarded by {@code this}. */
    private final Map<Key, Lane> lanes = new HashMap<>();
    /** Batches decoded, rows in them, the largest; guarded by {@code this}. */
    private long batches;
    private long rows;
    private int largest;

    /**
     * @param cacheBytesPerToken KV-cache bytes one token of one row takes (all layers, keys and values)
     * @param context the model's context length (a row's budget is at most what its prompt leaves)
     */
    GenerationBatcher(BatchDecoder decoder, int maxRows, long windowNanos, long maxCacheBytes, long cacheBytesPerToken,
            int context) {
        if (maxRows < 1 || windowNanos < 0 || maxCacheBytes < 0) {
            throw new IllegalArgumentException("batching needs max rows >= 1, window >= 0 and a cache limit >= 0");
        }
        this.decoder = decoder;
        this.maxRows = maxRows;
        this.windowNanos = windowNanos;
        this.maxCacheBytes = maxCacheBytes;
        this.cacheBytesPerToken = cacheBytesPerToken;
        this.context = context;
    }

    /**
     * Generates one row, batched with concurrent compatible requests; blocks until it is done.
     * Without a seed in {@code settings} a fresh one is drawn.
     */
    GenerationResult generate(long[] prompt, GenerationSettings settings, Set<Long> stopIds, Consumer<String> onText) {
        long seed = settings.seed() != null ? settings.seed() : ThreadLocalRandom.current().nextLong();
        Consumer<String> sink = onText == null ? text -> {} : onText;
        Key key = Key.of(settings, stopIds);
        if (maxRows == 1) {
            synchronized (this) {
                batches++;
                rows++;
                largest = 1;
            }
            return decoder.decode(List.of(prompt), key.settings(), new long[] {seed}, key.stopIds(),
                    (row, text) -> sink.accept(text)).get(0);
        }
        Request request = new Request(prompt, seed, sink);
        Lane lane;
        boolean interrupted = false;
        synchronized (this) {
            lane = lanes.computeIfAbsent(key, Lane::new);
            lane.pending.add(request);
            if (!lane.busy) {
                lane.busy = true;
                request.lead = true;
            }
            notifyAll(); // a leader gathering its window counts arrivals
            // Waiting is not interruptible, as a call that decodes itself is not: the leader finishes the batch.
            while (!request.done && !request.lead) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (!request.done) {
            interrupted |= lead(lane);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (request.error instanceof RuntimeException e) {
            throw e;
        }
        if (request.error instanceof Error e) {
            throw e;
        }
        return request.result;
    }

    /** Gathers, decodes and hands over one batch (which holds the leader's own request, the oldest queued). */
    private boolean lead(Lane lane) {
        boolean interrupted = false;
        List<Request> batch;
        synchronized (this) {
            long deadline = System.nanoTime() + windowNanos;
            long left = windowNanos;
            while (left > 0 && lane.pending.size() < maxRows) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                left = deadline - System.nanoTime();
            }
            batch = take(lane);
        }
        try {
            decode(lane.key, batch);
        } catch (RuntimeException | Error e) {
            for (Request r : batch) {
                if (!r.completed()) {
                    r.error = e;
                }
            }
        } finally {
            synchronized (this) {
                for (Request r : batch) {
                    r.done = true;
                }
                if (lane.pending.isEmpty()) {
                    lane.busy = false;
                    lanes.remove(lane.key);
                } else {
                    lane.pending.peekFirst().lead = true;
                }
                notifyAll();
            }
        }
        return interrupted;
    }

    /** Batches decoded so far (batching off: one per call). */
    synchronized LocalLanguageModel.BatchingStats stats() {
        return new LocalLanguageModel.BatchingStats(batches, rows, largest);
    }

    /** The oldest queued requests that fit: at most {@code maxRows}, and a KV cache within the limit. */
    private List<Request> take(Lane lane) {
        List<Request> batch = new ArrayList<>();
        int width = 0;
        int steps = 0;
        while (!lane.pending.isEmpty() && batch.size() < maxRows) {
            Request next = lane.pending.peekFirst();
            int w = Math.max(width, next.prompt.length);
            int s = Math.max(steps, Math.max(1, Math.min(lane.key.maxNewTokens(), context - next.prompt.length)));
            if (!batch.isEmpty() && (batch.size() + 1L) * (w + s) * cacheBytesPerToken > maxCacheBytes) {
                break;
            }
            batch.add(lane.pending.pollFirst());
            width = w;
            steps = s;
        }
        batches++;
        rows += batch.size();
        largest = Math.max(largest, batch.size());
        return batch;
    }

    private void decode(Key key, List<Request> batch) {
        List<long[]> prompts = new ArrayList<>(batch.size());
        long[] seeds = new long[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            prompts.add(batch.get(i).prompt);
            seeds[i] = batch.get(i).seed;
        }
        List<GenerationResult> results;
        try {
            results = decoder.decode(prompts, key.settings(), seeds, key.stopIds(), (row, text) -> batch.get(row)
                    .deliver(text));
        } catch (InvalidInputException e) {
            if (batch.size() == 1) {
                batch.get(0).error = e;
                return;
            }
            // Rejected before decoding started (no text was streamed): retry alone so only the culprit fails.
            for (Request r : batch) {
                try {
                    decode(key, List.of(r));
                } catch (RuntimeException | Error alone) {
                    r.error = alone;
                }
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Request r = batch.get(i);
            if (r.error == null) {
                r.result = results.get(i);
            }
        }
    }

    /** The queue of one key; {@code busy} while a leader gathers or decodes a batch. */
    private static final class Lane {
        final Key key;
        final ArrayDeque<Request> pending = new ArrayDeque<>();
        boolean busy;

        Lane(Key key) {
            this.key = key;
        }
    }

    /** One caller's row. Fields written by the leader are read by the caller after {@code done} (under the lock). */
    private static final class Request {
        final long[] prompt;
        final long seed;
        final Consumer<String> sink;
        boolean lead;
        boolean done;
        GenerationResult result;
        Throwable error;

        Request(long[] prompt, long seed, Consumer<String> sink) {
            this.prompt = prompt;
            this.seed = seed;
            this.sink = sink;
        }

        boolean completed() {
            return result != null || error != null;
        }

        /** Streams to the caller; a callback that throws fails this caller alone (it stops receiving text). */
        void deliver(String text) {
            if (error != null) {
                return;
            }
            try {
                sink.accept(text);
            } catch (RuntimeException | Error e) {
                error = e;
            }
        }
    }
}
