package dev.plumbline.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.generate.GenerationListener;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.engine.model.local.LocalLanguageModel;
import dev.plumbline.engine.model.local.LocalLanguageModel.Batching;
import dev.plumbline.engine.model.local.LocalModelProvider;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.ProviderContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic batching in {@link LocalLanguageModel}: concurrent calls return exactly what the same
 * calls return one by one, on a random (peaky) tiny model whose replies run long.
 */
class LocalModelBatchingTest {

    @TempDir
    static Path models;

    static ModelDescriptor descriptor;
    /** Batching as configured by default (64 rows, 2 ms window). */
    static LocalLanguageModel batched;
    /** Every call decoded alone, as before batching: the reference. */
    static LocalLanguageModel alone;

    @BeforeAll
    static void saveModel() {
        try (NDManager manager = ModelEngine.newManager(); LlamaModel model = TestModels.peaky(manager, 11)) {
            LocalCheckpoint.save(models.resolve("peaky"), model, new ByteTokenizer());
        }
        batched = (LocalLanguageModel) new LocalModelProvider().open("peaky", new ProviderContext(models, Map.of()));
        descriptor = batched.descriptor();
        alone = LocalLanguageModel.open(descriptor, models.resolve("peaky"), Batching.off());
    }

    @AfterAll
    static void close() {
        batched.close();
        alone.close();
    }

    /** Prompts of different lengths (so rows are padded differently), several alike. */
    static List<ChatTurn> question(int i) {
        return List.of(ChatTurn.user("Q" + i + ": " + "why ".repeat(i % 9) + "is the sky blue?"));
    }

    static GenerationSettings sampled(long seed, int maxNewTokens) {
        return new GenerationSettings(1.0, maxNewTokens, 0, 1.0, List.of(), seed);
    }

    static <T> List<T> concurrently(int n, IntFunction<Callable<T>> call) throws Exception {
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
    void perRowSeedsSampleExactlyAsOneRowCallsWithThoseSeeds() {
        LlamaModel model = alone.checkpoint().model();
        Generator g = new Generator(model, alone.checkpoint().tokenizer());
        List<long[]> prompts = List.of(new long[] {257, 72, 101, 108, 108, 111}, new long[] {257, 5},
                new long[] {257, 200, 13, 99, 180, 3, 3, 3, 3});
        long[] seeds = {-7, 123456789, 42};
        List<GenerationResult> rows = g.generate(prompts, sampled(0, 30), seeds, Set.of(), GenerationListener.NONE);
        for (int r = 0; r < prompts.size(); r++) {
            GenerationResult single = g.generate(List.of(prompts.get(r)), sampled(seeds[r], 30), Set.of(),
                    GenerationListener.NONE).get(0);
            assertThat(rows.get(r).tokenIds()).as("row %d", r).containsExactly(single.tokenIds());
            assertThat(rows.get(r).text()).isEqualTo(single.text());
        }
    }

    @Test
    void concurrentCallsReturnWhatOneByOneCallsReturnGreedyAndSampled() throws Exception {
        int n = 32;
        for (boolean greedy : new boolean[] {true, false}) {
            IntFunction<GenerationSettings> settings = i -> greedy ? GenerationSettings.greedy(40)
                    : sampled(1000L * i - 5, 40);
            long batchesBefore = batched.batchingStats().batches();
            List<Generation> together = concurrently(n, i -> () -> batched.chat(question(i), settings.apply(i), null));
            long batches = batched.batchingStats().batches() - batchesBefore;
            List<Generation> sequential = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sequential.add(alone.chat(question(i), settings.apply(i), null));
            }
            for (int i = 0; i < n; i++) {
                assertThat(together.get(i)).as("%s call %d", greedy ? "greedy" : "sampled", i)
                        .isEqualTo(sequential.get(i));
            }
            System.out.printf("batching: %d concurrent %s calls ran in %d batches%n", n,
                    greedy ? "greedy" : "sampled", batches);
            assertThat(batches).isLessThan(n);
            assertThat(together.get(0).tokenIds()).hasSizeGreaterThan(5);
        }
        // The seed, not the batch position, decides a sample: the same prompt under two seeds in one batch differs.
        List<Generation> twins = concurrently(8, i -> () -> batched.chat(question(3), sampled(i, 40), null));
        assertThat(twins.stream().map(Generation::text).distinct().count()).isGreaterThan(1);
        for (int i = 0; i < 8; i++) {
            assertThat(twins.get(i)).isEqualTo(alone.chat(question(3), sampled(i, 40), null));
        }
    }

    @Test
    void callsWithDifferentSettingsInFlightAreDecodedWithTheirOwnSettings() throws Exception {
        List<IntFunction<GenerationSettings>> kinds = List.of(
                i -> sampled(i, 30),
                i -> new GenerationSettings(0.7, 30, 5, 0.9, List.of(), (long) i),
                i -> new GenerationSettings(1.0, 12, 0, 1.0, List.of(), (long) i),
                i -> new GenerationSettings(1.0, 30, 0, 1.0, List.of("e"), (long) i),
                i -> GenerationSettings.greedy(30));
        int n = 30;
        List<Generation> together = concurrently(n, i -> () -> i % 6 == 5
                ? batched.complete("Once upon a time " + i, sampled(i, 20), null)
                : batched.chat(question(i), kinds.get(i % 6).apply(i), null));
        for (int i = 0; i < n; i++) {
            Generation expected = i % 6 == 5 ? alone.complete("Once upon a time " + i, sampled(i, 20), null)
                    : alone.chat(question(i), kinds.get(i % 6).apply(i), null);
            assertThat(together.get(i)).as("call %d", i).isEqualTo(expected);
        }
    }

    @Test
    void streamingCallbacksReceiveEachRowsOwnText() throws Exception {
        int n = 16;
        List<String[]> out = concurrently(n, i -> () -> {
            StringBuilder streamed = new StringBuilder();
            Generation g = batched.chat(question(i), sampled(77 + i, 30), streamed::append);
            return new String[] {g.text(), streamed.toString()};
        });
        for (int i = 0; i < n; i++) {
            assertThat(out.get(i)[1]).as("call %d", i).isEqualTo(out.get(i)[0]);
            assertThat(out.get(i)[0]).isEqualTo(alone.chat(question(i), sampled(77 + i, 30), null).text());
        }
        assertThat(out.stream().map(o -> o[0]).distinct().count()).isGreaterThan(n / 2);
    }

    @Test
    void aCallThatFailsValidationFailsAlone() throws Exception {
        int n = 12;
        List<Object> outcomes = concurrently(n, i -> () -> {
            try {
                if (i == 4) {
                    return batched.chat(List.of(ChatTurn.user("x".repeat(200))), sampled(i, 20), null);
                }
                if (i == 8) {
                    return batched.chat(question(i), new GenerationSettings(1.0, 20, -1, 1.0, List.of(), 1L), null);
                }
                return batched.chat(question(i), sampled(i, 20), null);
            } catch (InvalidInputException e) {
                return e;
            }
        });
        for (int i = 0; i < n; i++) {
            if (i == 4) {
                assertThat(outcomes.get(i)).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("messages"));
            } else if (i == 8) {
                assertThat(outcomes.get(i)).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("settings.top_k"));
            } else {
                assertThat(outcomes.get(i)).as("call %d", i).isEqualTo(alone.chat(question(i), sampled(i, 20), null));
            }
        }
    }

    @Test
    void printsTheSpeedUpOfBatchingConcurrentSampledCalls() throws Exception {
        int n = 32;
        int tokens = 64;
        IntFunction<GenerationSettings> settings = i -> sampled(31L * i, tokens);
        // Warm up both paths.
        concurrently(4, i -> () -> batched.chat(question(i), settings.apply(i), null));
        alone.chat(question(0), settings.apply(0), null);

        long t0 = System.nanoTime();
        int generated = 0;
        for (int i = 0; i < n; i++) {
            generated += alone.chat(question(i), settings.apply(i), null).tokenIds().size();
        }
        long sequential = System.nanoTime() - t0;
        t0 = System.nanoTime();
        concurrently(n, i -> () -> alone.chat(question(i), settings.apply(i), null));
        long unbatchedConcurrent = System.nanoTime() - t0;
        t0 = System.nanoTime();
        concurrently(n, i -> () -> batched.chat(question(i), settings.apply(i), null));
        long batchedConcurrent = System.nanoTime() - t0;
        System.out.printf("batching speed-up: %d sampled chat calls x %d tokens (%d generated): sequential %.0f ms, "
                + "%d threads unbatched %.0f ms, %d threads batched %.0f ms -> %.1fx vs sequential, %.1fx vs "
                + "unbatched concurrent%n", n, tokens, generated, sequential / 1e6, n, unbatchedConcurrent / 1e6, n,
                batchedConcurrent / 1e6, (double) sequential / batchedConcurrent,
                (double) unbatchedConcurrent / batchedConcurrent);
    }

    @Test
    void batchingOptionsComeFromSystemProperties() {
        assertThat(Batching.defaults()).isEqualTo(new Batching(64, Duration.ofMillis(2), 1024L << 20));
        System.setProperty(Batching.MAX_ROWS_PROPERTY, "8");
        System.setProperty(Batching.WINDOW_PROPERTY, "0.5");
        try {
            assertThat(Batching.defaults()).isEqualTo(new Batching(8, Duration.ofNanos(500_000), 1024L << 20));
        } finally {
            System.clearProperty(Batching.MAX_ROWS_PROPERTY);
            System.clearProperty(Batching.WINDOW_PROPERTY);
        }
    }
}
