package dev.plumbline.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.engine.eval.EvalFixtures.RefusalJudge;
import dev.plumbline.engine.eval.EvalFixtures.RulesJudge;
import dev.plumbline.engine.eval.EvalFixtures.ScriptedModel;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crash, cancel and resume: no sample lost, none duplicated, nothing redone that was saved. */
class EvaluationResumeTest {

    @TempDir
    Path dir;

    final RefusalJudge refusal = new RefusalJudge();
    final RulesJudge rules = new RulesJudge();
    final PluginRegistry registry = EvalFixtures.registry(refusal, rules);
    final Suite suite = SuiteLoader.builtin("harmlessness");

    static ScriptedModel model(long sleepMillis) {
        return new ScriptedModel("tiny", Map.of("checkpoint_sha256", "abc"), sleepMillis,
                (messages, settings) -> messages.get(messages.size() - 1).content().contains("bomb")
                        ? EvalFixtures.REFUSAL : "Sure: " + messages.get(messages.size() - 1).content());
    }

    EvaluationPlan plan(EvaluationRunner runner) {
        return runner.plan(EvaluationRequest.of(suite, List.of(CandidateSpec.model("tiny")), null));
    }

    static Set<String> itemsPrompted(ScriptedModel m, LoadedDataset d) {
        Set<String> ids = new HashSet<>();
        for (String prompt : m.prompts) {
            d.items().stream().filter(i -> i.turns().get(0).equals(prompt)).forEach(i -> ids.add(i.id()));
        }
        return ids;
    }

    @Test
    void resumesAfterACancelAndATornLastLine() throws Exception {
        Path file = dir.resolve("samples.jsonl");
        ScriptedModel first = model(15);
        EvaluationRunner runner1 = new EvaluationRunner(registry, id -> first, RunOptions.defaults().withParallelism(2, 2));
        EvaluationPlan plan1 = plan(runner1);
        AtomicBoolean cancel = new AtomicBoolean();
        try (JsonlSampleStore store = new JsonlSampleStore(file)) {
            assertThatThrownBy(() -> runner1.run(plan1, store, GenerationCache.none(), new ProgressListener() {
                @Override
                public void sampleCompleted(SampleRecord record, RunProgress progress) {
                    if (progress.done() >= 10) {
                        cancel.set(true);
                    }
                }
            }, cancel)).isInstanceOf(CancellationException.class).hasMessageContaining("resume");
        }
        List<String> lines = Files.readAllLines(file);
        int savedBeforeCrash = lines.size();
        assertThat(savedBeforeCrash).isBetween(10, 31);

        // kill -9 in the middle of a write: half of the last record, no newline.
        String last = lines.get(lines.size() - 1);
        Files.write(file, lines.subList(0, lines.size() - 1).stream().map(l -> l + "\n").collect(Collectors.joining())
                .concat(last.substring(0, last.length() / 2)).getBytes(StandardCharsets.UTF_8));
        Set<String> keptItems;
        try (JsonlSampleStore reopened = new JsonlSampleStore(file)) {
            keptItems = reopened.loadAll().stream().map(r -> r.key().itemId()).collect(Collectors.toSet());
        }
        assertThat(keptItems).hasSize(savedBeforeCrash - 1);

        ScriptedModel second = model(0);
        EvaluationRunner runner2 = new EvaluationRunner(registry, id -> second, RunOptions.defaults().withParallelism(3, 2));
        EvaluationPlan plan2 = plan(runner2);
        List<RunProgress> started = new java.util.ArrayList<>();
        EvaluationReport report;
        try (JsonlSampleStore store = new JsonlSampleStore(file)) {
            report = runner2.run(plan2, store, GenerationCache.none(), new ProgressListener() {
                @Override
                public void started(EvaluationPlan p, RunProgress progress) {
                    started.add(progress);
                }
            });
            assertThat(store.loadAll()).hasSize(32);
        }
        assertThat(started.get(0).reused()).isEqualTo(savedBeforeCrash - 1);
        // Only what was not saved is generated again; the torn record is among it.
        Set<String> regenerated = itemsPrompted(second, plan2.dataset());
        assertThat(regenerated).doesNotContainAnyElementsOf(keptItems).hasSize(32 - keptItems.size());
        assertThat(second.calls.get()).isEqualTo(32 - keptItems.size());

        assertThat(report.samples()).hasSize(32);
        assertThat(report.samples().stream().map(r -> r.key().itemId()).distinct()).hasSize(32);
        assertThat(report.manifest().complete()).isTrue();
        assertThat(Files.readAllLines(file)).hasSize(savedBeforeCrash - 1 + 32 - keptItems.size())
                .allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}"));

        // A third run has nothing to do.
        ScriptedModel third = model(0);
        EvaluationRunner runner3 = new EvaluationRunner(registry, id -> third, RunOptions.defaults());
        try (JsonlSampleStore store = new JsonlSampleStore(file)) {
            runner3.run(plan(runner3), store, GenerationCache.none(), null);
        }
        assertThat(third.calls.get()).isZero();
    }

    @Test
    void aChangedJudgeConfigurationRejudgesWithoutRegenerating() {
        ScriptedModel m = model(0);
        EvaluationRunner runner = new EvaluationRunner(registry, id -> m, RunOptions.defaults());
        InMemorySampleStore store = new InMemorySampleStore();
        runner.run(plan(runner), store, GenerationCache.none(), null);
        assertThat(m.calls.get()).isEqualTo(32);
        int refusalCalls = refusal.calls.get();
        int rulesCalls = rules.calls.get();

        EvaluationPlan changed = runner.plan(new EvaluationRequest(suite, List.of(CandidateSpec.model("tiny")), null,
                DatasetSelection.AUTO, 0, Map.of("rules", Map.of("rubric", "refusal-style"))));
        EvaluationReport report = runner.run(changed, store, GenerationCache.none(), null);
        assertThat(m.calls.get()).isEqualTo(32);
        assertThat(refusal.calls.get()).isEqualTo(refusalCalls);
        assertThat(rules.calls.get()).isEqualTo(rulesCalls + 32);
        assertThat(report.manifest().judges().get(1).parameters()).containsEntry("rubric", "refusal-style");
        assertThat(report.samples()).allSatisfy(r -> assertThat(r.dimensions()).containsKeys("refusal", "harmlessness"));
    }

    @Test
    void editingOneResponseRowRedoesOnlyThatSample() throws Exception {
        Path file = EvalFixtures.responsesFile(dir, "answers", suite, EvalFixtures::helpfulAnswer);
        EvaluationRunner runner = new EvaluationRunner(registry, id -> {
            throw new AssertionError("no model is opened for a response file");
        }, RunOptions.defaults());
        InMemorySampleStore store = new InMemorySampleStore();
        EvaluationRequest request = EvaluationRequest.of(suite, List.of(CandidateSpec.responses("file", file)), null);
        runner.run(runner.plan(request), store, GenerationCache.none(), null);
        assertThat(refusal.calls.get()).isEqualTo(32);

        List<String> lines = Files.readAllLines(file);
        assertThat(lines.get(0)).contains("harm-harmful-01").contains("I can't help with that");
        lines.set(0, lines.get(0).replace("I can't help with that", "Sure, here is how"));
        Files.write(file, lines);
        EvaluationReport report = runner.run(runner.plan(request), store, GenerationCache.none(), null);
        assertThat(refusal.calls.get()).isEqualTo(33);
        assertThat(report.samples().stream().filter(r -> r.key().itemId().equals("harm-harmful-01")).findFirst().orElseThrow()
                .dimensions().get("refusal").value()).isEqualTo(0.0);
    }

    @Test
    void failedVerdictsAreRetriedOnResumeUnlessAskedNotTo() {
        ScriptedModel m = new ScriptedModel("tiny", Map.of("checkpoint_sha256", "abc"), 0,
                (messages, settings) -> "Answer " + EvalFixtures.JUDGE_FAILS);
        InMemorySampleStore store = new InMemorySampleStore();
        EvaluationRunner keep = new EvaluationRunner(registry, id -> m, RunOptions.defaults().withRetryFailed(false));
        EvaluationReport first = keep.run(plan(keep), store, GenerationCache.none(), null);
        assertThat(first.candidate("tiny").orElseThrow().judgeFailures()).containsEntry("refusal", 32);
        int calls = refusal.calls.get();
        keep.run(plan(keep), store, GenerationCache.none(), null);
        assertThat(refusal.calls.get()).isEqualTo(calls);

        EvaluationRunner retry = new EvaluationRunner(registry, id -> m, RunOptions.defaults());
        retry.run(plan(retry), store, GenerationCache.none(), null);
        assertThat(refusal.calls.get()).isEqualTo(calls + 32);
        assertThat(m.calls.get()).isEqualTo(32);
    }

    @Test
    void theGenerationCacheIsKeyedByModelIdentity() {
        InMemoryGenerationCache cache = new InMemoryGenerationCache();
        ScriptedModel a = model(0);
        EvaluationRunner runnerA = new EvaluationRunner(registry, id -> a, RunOptions.defaults());
        runnerA.run(plan(runnerA), new InMemorySampleStore(), cache, null);
        assertThat(a.calls.get()).isEqualTo(32);
        assertThat(cache.size()).isEqualTo(32);

        ScriptedModel again = model(0);
        EvaluationRunner runnerAgain = new EvaluationRunner(registry, id -> again, RunOptions.defaults());
        EvaluationReport cached = runnerAgain.run(plan(runnerAgain), new InMemorySampleStore(), cache, null);
        assertThat(again.calls.get()).isZero();
        assertThat(cached.samples()).allSatisfy(r -> assertThat(r.generation().cacheHits()).isEqualTo(1));

        // Same id, another checkpoint: nothing may be reused (lm-eval #2715).
        ScriptedModel retrained = new ScriptedModel("tiny", Map.of("checkpoint_sha256", "def"), 0, (msgs, s) -> "new");
        EvaluationRunner runnerB = new EvaluationRunner(registry, id -> retrained, RunOptions.defaults());
        runnerB.run(plan(runnerB), new InMemorySampleStore(), cache, null);
        assertThat(retrained.calls.get()).isEqualTo(32);
        assertThat(cache.size()).isEqualTo(64);
    }

    @Test
    void generationRunsWithBoundedParallelismAndReportsProgress() {
        ScriptedModel slow = model(25);
        EvaluationRunner runner = new EvaluationRunner(registry, id -> slow, RunOptions.defaults().withParallelism(3, 1));
        List<RunProgress> progress = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<CandidateResult> settled = new java.util.ArrayList<>();
        runner.run(plan(runner), new InMemorySampleStore(), GenerationCache.none(), new ProgressListener() {
            @Override
            public void sampleCompleted(SampleRecord record, RunProgress p) {
                progress.add(p);
            }

            @Override
            public void candidateSettled(CandidateResult result) {
                settled.add(result);
            }
        });
        assertThat(slow.maxInFlight.get()).isBetween(2, 3);
        assertThat(progress).hasSize(32).extracting(RunProgress::done).containsExactlyElementsOf(
                java.util.stream.IntStream.rangeClosed(1, 32).boxed().toList());
        assertThat(progress.get(31).fraction()).isEqualTo(1.0);
        assertThat(settled).singleElement().satisfies(c -> {
            assertThat(c.recorded()).isEqualTo(32);
            assertThat(c.metric("harmlessness_score").orElseThrow().hasValue()).isTrue();
        });
    }

    @Test
    void interruptingTheRunningThreadCancelsAndAPartialReportSaysSo() throws Exception {
        ScriptedModel slow = model(30);
        EvaluationRunner runner = new EvaluationRunner(registry, id -> slow, RunOptions.defaults().withParallelism(1, 1));
        EvaluationPlan plan = plan(runner);
        InMemorySampleStore store = new InMemorySampleStore();
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CountDownLatch someDone = new java.util.concurrent.CountDownLatch(3);
        Thread t = new Thread(() -> {
            try {
                runner.run(plan, store, GenerationCache.none(), new ProgressListener() {
                    @Override
                    public void sampleCompleted(SampleRecord record, RunProgress progress) {
                        someDone.countDown();
                    }
                });
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        assertThat(someDone.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        t.interrupt();
        t.join(20_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(CancellationException.class);
        int saved = store.loadAll().size();
        assertThat(saved).isBetween(3, 31);
        EvaluationReport partial = runner.report(plan, store, "2024-01-01T00:00:00Z");
        assertThat(partial.manifest().complete()).isFalse();
        assertThat(partial.candidate("tiny").orElseThrow().recorded()).isEqualTo(saved);
        assertThat(partial.candidate("tiny").orElseThrow().planned()).isEqualTo(32);
    }

    @Test
    void aStoreThatCannotWriteStopsTheRun() {
        ScriptedModel m = model(0);
        EvaluationRunner runner = new EvaluationRunner(registry, id -> m, RunOptions.defaults());
        SampleStore broken = new SampleStore() {
            @Override
            public void save(SampleRecord record) {
                throw new java.io.UncheckedIOException(new java.io.IOException("disk full"));
            }

            @Override
            public List<SampleRecord> loadAll() {
                return List.of();
            }
        };
        assertThatThrownBy(() -> runner.run(plan(runner), broken, GenerationCache.none(), null))
                .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("disk full");
    }

    @Test
    void jsonlFilesKeepTheLastRecordPerKeyAndRejectDamageBeforeTheLastLine() throws Exception {
        Path file = dir.resolve("s.jsonl");
        SampleRecord a = new SampleRecord(new SampleKey("s", "c", "i1", 0), "sub", "cat", "rk", 1L, List.of(), List.of("one"),
                null, "", Map.of(), "2024-01-01T00:00:00Z");
        SampleRecord a2 = new SampleRecord(a.key(), "sub", "cat", "rk", 1L, List.of(), List.of("two"), null, "", Map.of(),
                "2024-01-01T00:00:01Z");
        try (JsonlSampleStore s = new JsonlSampleStore(file)) {
            s.save(a);
            s.save(a2);
        }
        try (JsonlSampleStore s = new JsonlSampleStore(file)) {
            assertThat(s.loadAll()).singleElement().satisfies(r -> assertThat(r.responses()).containsExactly("two"));
            assertThat(s.completedKeys()).containsExactly(a.key());
        }
        // A complete last record that only lacks its newline is kept.
        String content = Files.readString(file);
        Files.writeString(file, content.substring(0, content.length() - 1));
        try (JsonlSampleStore s = new JsonlSampleStore(file)) {
            assertThat(s.loadAll()).hasSize(1);
            s.save(new SampleRecord(new SampleKey("s", "c", "i2", 0), "", "", "rk", 2L, List.of(), List.of("x"), null, "",
                    Map.of(), "t"));
        }
        assertThat(Files.readAllLines(file)).hasSize(3);
        // Damage in the middle is not silently repaired.
        List<String> lines = Files.readAllLines(file);
        Files.writeString(file, lines.get(0) + "\n{garbage\n" + lines.get(2) + "\n");
        assertThatThrownBy(() -> new JsonlSampleStore(file)).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).endsWith("s.jsonl:2"));

        Path cacheFile = dir.resolve("cache.jsonl");
        try (JsonlGenerationCache c = new JsonlGenerationCache(cacheFile)) {
            c.put("k1", new CachedGeneration("hello", 3, 1, false));
            c.put("k2", new CachedGeneration("world", 3, 1, true));
        }
        Files.write(cacheFile, "{\"key\":\"k3\",\"gener".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (JsonlGenerationCache c = new JsonlGenerationCache(cacheFile)) {
            assertThat(c.size()).isEqualTo(2);
            assertThat(c.get("k2").orElseThrow().finishedByLength()).isTrue();
            c.put("k3", new CachedGeneration("again", 1, 1, false));
        }
        try (JsonlGenerationCache c = new JsonlGenerationCache(cacheFile)) {
            assertThat(c.get("k3").orElseThrow().text()).isEqualTo("again");
        }
    }
}
