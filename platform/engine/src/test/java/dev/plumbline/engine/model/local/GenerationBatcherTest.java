package dev.plumbline.engine.model.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.engine.model.generate.FinishReason;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The batching scheduler against a fake decoder that records every batch. */
class GenerationBatcherTest {

    /** A batch as the decoder saw it. */
    record Batch(GenerationSettings settings, Set<Long> stopIds, List<Long> firstTokens, long[] seeds) {}

    /** Echoes each row: text "p<first prompt token>/s<seed>", streamed in two pieces; sleeps to let calls pile up. */
    static final class FakeDecoder implements GenerationBatcher.BatchDecoder {
        final List<Batch> batches = Collections.synchronizedList(new ArrayList<>());
        final long sleepMillis;

        FakeDecoder(long sleepMillis) {
            this.sleepMillis = sleepMillis;
        }

        @Override
        public List<GenerationResult> decode(List<long[]> prompts, GenerationSettings settings, long[] seeds,
                Set<Long> stopTokenIds, dev.plumbline.engine.model.generate.GenerationListener listener) {
            for (int r = 0; r < prompts.size(); r++) {
                if (prompts.get(r)[0] < 0) {
                    throw new InvalidInputException(prompts.size() == 1 ? "prompt" : "prompts[" + r + "]",
                            "token id " + prompts.get(r)[0] + " is outside the vocabulary");
                }
            }
            batches.add(new Batch(settings, stopTokenIds, prompts.stream().map(p -> p[0]).toList(), seeds.clone()));
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<GenerationResult> out = new ArrayList<>();
            for (int r = 0; r < prompts.size(); r++) {
                String text = "p" + prompts.get(r)[0] + "/s" + seeds[r];
                listener.onText(r, text.substring(0, 2));
                listener.onText(r, text.substring(2));
                out.add(new GenerationResult(new long[] {prompts.get(r)[0]}, text, new double[] {0}, FinishReason.LENGTH,
                        prompts.get(r).length));
            }
            return out;
        }
    }

    static GenerationSettings settings(int kind, long seed) {
        return new GenerationSettings(kind == 2 ? 0.0 : 1.0, kind == 1 ? 8 : 16, 0, 1.0,
                kind == 3 ? List.of("\n") : List.of(), seed);
    }

    static <T> List<T> concurrently(int n, java.util.function.IntFunction<Callable<T>> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Callable<T> c = call.apply(i);
                futures.add(pool.submit(() -> {
                    start.await();
                    return c.call();
                }));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void concurrentCallsShareBatchesOnlyWithTheSameSettingsAndKeepTheirSeeds() throws Exception {
        FakeDecoder decoder = new FakeDecoder(30);
        GenerationBatcher batcher = new GenerationBatcher(decoder, 64, 2_000_000, Long.MAX_VALUE, 1, 128);
        int calls = 40;
        // Call i: settings kind i % 4, (kinds 0 and 3 differ only in stop strings), stop ids by i % 5 == 0.
        List<String> texts = concurrently(calls, i -> () -> batcher.generate(new long[] {i, 7}, settings(i % 4, 1000 + i),
                i % 5 == 0 ? Set.of(2L) : Set.of(1L), null).text());
        for (int i = 0; i < calls; i++) {
            assertThat(texts.get(i)).isEqualTo("p" + i + "/s" + (1000 + i));
        }
        int rows = 0;
        for (Batch b : decoder.batches) {
            rows += b.firstTokens().size();
            for (int j = 0; j < b.firstTokens().size(); j++) {
                int i = b.firstTokens().get(j).intValue();
                GenerationSettings own = settings(i % 4, 1000 + i);
                assertThat(b.settings()).as("call %d in batch %s", i, b.firstTokens())
                        .isEqualTo(new GenerationSettings(own.temperature(), own.maxNewTokens(), own.topK(), own.topP(),
                                own.stop(), null));
                assertThat(b.stopIds()).isEqualTo(i % 5 == 0 ? Set.of(2L) : Set.of(1L));
                assertThat(b.seeds()[j]).isEqualTo(1000 + i);
            }
        }
        assertThat(rows).isEqualTo(calls);
        // 8 distinct keys; while the first batch of each runs the rest queue up.
        assertThat(decoder.batches.size()).isLessThan(calls / 2);
        assertThat(batcher.stats().rows()).isEqualTo(calls);
    }

    @Test
    void batchesRespectTheRowAndCacheLimits() throws Exception {
        FakeDecoder decoder = new FakeDecoder(20);
        GenerationBatcher byRows = new GenerationBatcher(decoder, 3, 5_000_000, Long.MAX_VALUE, 1, 128);
        concurrently(10, i -> () -> byRows.generate(new long[] {i}, settings(0, i), Set.of(), null));
        assertThat(decoder.batches).allSatisfy(b -> assertThat(b.firstTokens()).hasSizeLessThanOrEqualTo(3));
        assertThat(byRows.stats().largestBatch()).isEqualTo(3);

        FakeDecoder small = new FakeDecoder(20);
        // Each row: prompt 4 + budget 16 = 20 tokens of 10 bytes; 500 bytes hold 2 rows.
        GenerationBatcher byCache = new GenerationBatcher(small, 64, 5_000_000, 500, 10, 128);
        concurrently(9, i -> () -> byCache.generate(new long[] {i, 0, 0, 0}, settings(0, i), Set.of(), null));
        assertThat(small.batches).allSatisfy(b -> assertThat(b.firstTokens()).hasSizeLessThanOrEqualTo(2));
        assertThat(byCache.stats().largestBatch()).isEqualTo(2);
    }

    @Test
    void aRowTheDecoderRejectsFailsAloneAndSoDoesAThrowingCallback() throws Exception {
        FakeDecoder decoder = new FakeDecoder(30);
        GenerationBatcher batcher = new GenerationBatcher(decoder, 64, 5_000_000, Long.MAX_VALUE, 1, 128);
        List<Object> outcomes = concurrently(12, i -> () -> {
            StringBuilder streamed = new StringBuilder();
            try {
                GenerationResult r = batcher.generate(new long[] {i == 5 ? -1 : i}, settings(0, i), Set.of(),
                        text -> {
                            if (i == 7) {
                                throw new IllegalStateException("client went away");
                            }
                            streamed.append(text);
                        });
                assertThat(streamed.toString()).isEqualTo(r.text());
                return r.text();
            } catch (RuntimeException e) {
                return e;
            }
        });
        for (int i = 0; i < 12; i++) {
            if (i == 5) {
                assertThat(outcomes.get(i)).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("prompt"));
            } else if (i == 7) {
                assertThat(outcomes.get(i)).isInstanceOf(IllegalStateException.class);
            } else {
                assertThat(outcomes.get(i)).as("call %d", i).isEqualTo("p" + i + "/s" + i);
            }
        }
        // Alone, the rejection is the decoder's own.
        assertThatThrownBy(() -> batcher.generate(new long[] {-1}, settings(0, 1), Set.of(), null))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void withoutAWindowOrBatchingCallsStillComplete() throws Exception {
        FakeDecoder decoder = new FakeDecoder(5);
        GenerationBatcher noWindow = new GenerationBatcher(decoder, 64, 0, Long.MAX_VALUE, 1, 128);
        assertThat(concurrently(16, i -> () -> noWindow.generate(new long[] {i}, settings(0, i), Set.of(), null).text()))
                .hasSize(16);
        FakeDecoder alone = new FakeDecoder(5);
        GenerationBatcher off = new GenerationBatcher(alone, 1, 0, 0, 1, 128);
        assertThat(concurrently(8, i -> () -> off.generate(new long[] {i}, settings(0, i), Set.of(), null).text()))
                .hasSize(8);
        assertThat(alone.batches).allSatisfy(b -> assertThat(b.firstTokens()).hasSize(1));
        // Without a seed, a fresh one per call.
        GenerationSettings unseeded = new GenerationSettings(1.0, 4, 0, 1.0, List.of(), null);
        assertThat(off.generate(new long[] {1}, unseeded, Set.of(), null).text())
                .isNotEqualTo(off.generate(new long[] {1}, unseeded, Set.of(), null).text());
    }
}
