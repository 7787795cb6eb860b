package dev.plumbline.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.generate.FinishReason;
import dev.plumbline.engine.model.generate.GenerationListener;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    static NDManager manager;
    static LlamaModel model;

    static final List<long[]> PROMPTS = List.of(new long[] {257, 72, 101, 108, 108, 111, 44, 32, 119},
            new long[] {257, 5}, new long[] {257, 200, 13, 99, 180});

    static final GenerationSettings SAMPLED = new GenerationSettings(0.9, 24, 40, 0.92, List.of(), 1234L);

    @BeforeAll
    static void setUp() {
        manager = ModelEngine.newManager();
        model = TestModels.peaky(manager, 11);
    }

    @AfterAll
    static void tearDown() {
        model.close();
        manager.close();
    }

    static List<GenerationResult> run(Generator g, List<long[]> prompts, GenerationSettings s) {
        return g.generate(prompts, s, Set.of(), GenerationListener.NONE);
    }

    @Test
    void kvCacheGenerationEqualsFullRecomputationTokenForToken() {
        for (GenerationSettings s : List.of(GenerationSettings.greedy(24), SAMPLED)) {
            List<GenerationResult> cached = run(new Generator(model, null), PROMPTS, s);
            List<GenerationResult> full = run(new Generator(model, null).withoutCache(), PROMPTS, s);
            for (int r = 0; r < PROMPTS.size(); r++) {
                assertThat(cached.get(r).tokenIds()).as("row %d, %s", r, s).hasSize(24)
                        .containsExactly(full.get(r).tokenIds());
                assertThat(cached.get(r).tokenLogProbs())
                        .containsExactly(full.get(r).tokenLogProbs(), org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    @Test
    void batchedEqualsOneByOne() {
        for (GenerationSettings s : List.of(GenerationSettings.greedy(24), SAMPLED)) {
            List<GenerationResult> batched = run(new Generator(model, null), PROMPTS, s);
            for (int r = 0; r < PROMPTS.size(); r++) {
                // Row r of a batch samples with seed + r.
                GenerationSettings alone = new GenerationSettings(s.temperature(), s.maxNewTokens(), s.topK(),
                        s.topP(), s.stop(), s.seed() == null ? null : s.seed() + r);
                GenerationResult single = run(new Generator(model, null), List.of(PROMPTS.get(r)), alone).get(0);
                assertThat(batched.get(r).tokenIds()).as("row %d, %s", r, s).containsExactly(single.tokenIds());
            }
        }
    }

    @Test
    void sameSeedSameOutputOtherSeedOtherOutput() {
        Generator g = new Generator(model, null);
        long[] first = run(g, PROMPTS.subList(0, 1), SAMPLED).get(0).tokenIds();
        long[] again = run(g, PROMPTS.subList(0, 1), SAMPLED).get(0).tokenIds();
        GenerationSettings other = new GenerationSettings(0.9, 24, 40, 0.92, List.of(), 99L);
        long[] different = run(g, PROMPTS.subList(0, 1), other).get(0).tokenIds();
        long[] greedy = run(g, PROMPTS.subList(0, 1), GenerationSettings.greedy(24)).get(0).tokenIds();
        assertThat(again).containsExactly(first);
        assertThat(different).isNotEqualTo(first);
        assertThat(first).isNotEqualTo(greedy);
    }

    @Test
    void topKOfOneIsGreedyAndTinyTopPIsGreedy() {
        Generator g = new Generator(model, null);
        long[] greedy = run(g, PROMPTS, GenerationSettings.greedy(16)).get(2).tokenIds();
        long[] topK1 = run(g, PROMPTS, new GenerationSettings(1.5, 16, 1, 1.0, List.of(), 5L)).get(2).tokenIds();
        long[] topP0 = run(g, PROMPTS, new GenerationSettings(1.5, 16, 0, 1e-9, List.of(), 5L)).get(2).tokenIds();
        assertThat(topK1).containsExactly(greedy);
        assertThat(topP0).containsExactly(greedy);
    }

    @Test
    void generatedLogProbsEqualTeacherForcedLogProbs() {
        GenerationResult r = run(new Generator(model, null), PROMPTS.subList(0, 1), SAMPLED).get(0);
        try (NDManager step = manager.newSubManager()) {
            CompletionBatch batch = CompletionBatch.of(List.of(ScoredSequence.of(PROMPTS.get(0), r.tokenIds())), 256);
            float[] lp = TokenLogProbs.of(model, batch, step).toFloatArray();
            int start = PROMPTS.get(0).length - 1;
            for (int i = 0; i < r.tokenIds().length; i++) {
                assertThat(lp[start + i]).isCloseTo((float) r.tokenLogProbs()[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    @Test
    void stopTokensEndARowAndAreKept() {
        long[] greedy = run(new Generator(model, null), PROMPTS.subList(1, 2), GenerationSettings.greedy(24)).get(0)
                .tokenIds();
        long stop = greedy[5];
        int firstAt = 0;
        while (greedy[firstAt] != stop) {
            firstAt++;
        }
        GenerationResult r = new Generator(model, null).generate(PROMPTS.subList(1, 2), GenerationSettings.greedy(24),
                Set.of(stop), GenerationListener.NONE).get(0);
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP_TOKEN);
        assertThat(r.tokenIds()).hasSize(firstAt + 1).endsWith(stop);
    }

    @Test
    void stopSequencesCutTheTextAndStreamingNeverShowsThem() {
        Generator g = new Generator(model, new TestModels.LetterTokenizer());
        String full = g.generate(PROMPTS, GenerationSettings.greedy(24), Set.of(), GenerationListener.NONE).get(0).text();
        assertThat(full).hasSize(24);
        String stop = full.substring(10, 13);
        int expectedCut = full.indexOf(stop);
        Map<Integer, StringBuilder> streamed = new HashMap<>();
        List<GenerationResult> results = g.generate(PROMPTS, new GenerationSettings(0, 24, 0, 1, List.of(stop), null),
                Set.of(), (row, text) -> streamed.computeIfAbsent(row, k -> new StringBuilder()).append(text));
        GenerationResult r = results.get(0);
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP_SEQUENCE);
        assertThat(r.text()).isEqualTo(full.substring(0, expectedCut));
        assertThat(r.tokenIds()).hasSize(expectedCut + stop.length());
        for (int row = 0; row < PROMPTS.size(); row++) {
            assertThat(streamed.getOrDefault(row, new StringBuilder()).toString()).as("row %d", row)
                    .isEqualTo(results.get(row).text());
        }
    }

    @Test
    void geometricMixtureSamplesFromLogSoftmaxOfMixedLogits() {
        try (LlamaModel reference = TestModels.peaky(manager, 12)) {
            Generator policy = new Generator(model, null);
            // Coefficient 0 is the model, 1 the reference (greedy: the argmax ignores the log-softmax shift).
            GenerationSettings greedy = GenerationSettings.greedy(12);
            List<GenerationResult> alone = run(policy, PROMPTS, greedy);
            List<GenerationResult> refAlone = run(new Generator(reference, null), PROMPTS, greedy);
            List<GenerationResult> none = run(policy.geometricMixture(reference, 0.0), PROMPTS, greedy);
            List<GenerationResult> all = run(policy.geometricMixture(reference, 1.0), PROMPTS, greedy);
            for (int r = 0; r < PROMPTS.size(); r++) {
                assertThat(none.get(r).tokenIds()).containsExactly(alone.get(r).tokenIds());
                assertThat(all.get(r).tokenIds()).containsExactly(refAlone.get(r).tokenIds());
            }
            // Sampled at 0.5 (with and without the cache): the log-probs are those of
            // log_softmax(0.5 z_ref + 0.5 z), recomputed by teacher forcing both models.
            Generator mixture = policy.geometricMixture(reference, 0.5);
            GenerationResult cached = run(mixture, PROMPTS.subList(0, 1), SAMPLED).get(0);
            GenerationResult full = run(mixture.withoutCache(), PROMPTS.subList(0, 1), SAMPLED).get(0);
            assertThat(full.tokenIds()).containsExactly(cached.tokenIds());
            assertThat(cached.tokenIds()).isNotEqualTo(run(policy, PROMPTS.subList(0, 1), SAMPLED).get(0).tokenIds());
            try (NDManager step = manager.newSubManager()) {
                long[] prompt = PROMPTS.get(0);
                long[] ids = java.util.Arrays.copyOf(prompt, prompt.length + cached.tokenIds().length);
                System.arraycopy(cached.tokenIds(), 0, ids, prompt.length, cached.tokenIds().length);
                ai.djl.ndarray.NDArray input = step.create(ids, new ai.djl.ndarray.types.Shape(1, ids.length));
                ai.djl.ndarray.NDArray mask = input.onesLike();
                ai.djl.ndarray.NDArray z = model.forward(input, mask);
                ai.djl.ndarray.NDArray zRef = reference.forward(input, mask);
                float[] mixed = zRef.mul(0.5f).add(z.mul(0.5f)).logSoftmax(2).toFloatArray();
                int vocab = model.config().vocabSize();
                for (int i = 0; i < cached.tokenIds().length; i++) {
                    int position = prompt.length - 1 + i;
                    float expected = mixed[position * vocab + (int) cached.tokenIds()[i]];
                    assertThat(cached.tokenLogProbs()[i]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4));
                }
            }
        }
        assertThatThrownBy(() -> new Generator(model, null).geometricMixture(model, 1.5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void generationFreesEverythingItAllocates() {
        int before = model.manager().getManagedArrays().size();
        Generator g = new Generator(model, new TestModels.LetterTokenizer());
        for (int i = 0; i < 3; i++) {
            run(g, PROMPTS, SAMPLED);
            run(g.withoutCache(), PROMPTS, GenerationSettings.greedy(4));
        }
        model.setRequiresGradient(true);
        try {
            run(g, PROMPTS, GenerationSettings.greedy(4)); // through a detached view
        } finally {
            model.setRequiresGradient(false);
        }
        assertThat(model.manager().getManagedArrays()).hasSize(before);
    }

    @Test
    void contextLimitsAreEnforced() {
        int context = model.config().maxPositionEmbeddings();
        long[] tooLong = new long[context];
        assertThatThrownBy(() -> run(new Generator(model, null), List.of(tooLong), GenerationSettings.greedy(4)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("prompt"))
                .hasMessageContaining("context is " + context);
        long[] nearlyFull = new long[context - 3];
        GenerationResult r = run(new Generator(model, null), List.of(nearlyFull), GenerationSettings.greedy(50)).get(0);
        assertThat(r.tokenIds()).hasSize(3);
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void invalidSettingsNameTheField() {
        Generator g = new Generator(model, null);
        List<GenerationSettings> bad = new ArrayList<>(List.of(
                new GenerationSettings(-1, 4, 0, 1, List.of(), null),
                new GenerationSettings(1, 0, 0, 1, List.of(), null),
                new GenerationSettings(1, 4, -2, 1, List.of(), null),
                new GenerationSettings(1, 4, 0, 0, List.of(), null),
                new GenerationSettings(1, 4, 0, 1, List.of(""), null)));
        List<String> fields = List.of("settings.temperature", "settings.max_new_tokens", "settings.top_k",
                "settings.top_p", "settings.stop[0]");
        for (int i = 0; i < bad.size(); i++) {
            GenerationSettings s = bad.get(i);
            String field = fields.get(i);
            assertThatThrownBy(() -> run(g, PROMPTS, s)).isInstanceOfSatisfying(InvalidInputException.class,
                    e -> assertThat(e.field()).isEqualTo(field));
        }
        assertThatThrownBy(() -> run(g, List.of(new long[] {1, 9999}), GenerationSettings.greedy(2)))
                .hasMessageContaining("outside the vocabulary");
    }
}
