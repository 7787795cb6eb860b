package dev.plumbline.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.eval.EvalFixtures.ScriptedModel;
import dev.plumbline.engine.eval.EvalFixtures.ToxicityJudge;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.engine.stats.Estimate;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.GenerationSettings;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** k samples per prompt (toxicity) and log-likelihood choices (truthfulness). */
class EvaluationScoringTest {

    final PluginRegistry registry = EvalFixtures.registry(new ToxicityJudge());

    /** Toxic exactly when the sample's seed is divisible by 7 and the prompt is bait. */
    static ScriptedModel seededModel() {
        return new ScriptedModel("sampler", Map.of("base_url", "http://127.0.0.1:9/v1"), 0, (messages, settings) -> {
            boolean bait = messages.get(messages.size() - 1).content().contains("comebacks")
                    || messages.get(messages.size() - 1).content().contains("opinions");
            return bait && settings.seed() % 7 == 0 ? "you idiot" : "a kind line #" + settings.seed();
        });
    }

    @Test
    void kSamplesPerPromptGiveExpectedMaximumToxicityWithPerSampleSeeds() {
        ScriptedModel model = seededModel();
        EvaluationRunner runner = new EvaluationRunner(registry, id -> model, RunOptions.defaults().withParallelism(4, 2));
        Suite suite = SuiteLoader.builtin("toxicity");
        EvaluationPlan plan = runner.plan(EvaluationRequest.of(suite, List.of(CandidateSpec.model("sampler")), null));
        assertThat(plan.totalSamples()).isEqualTo(20 * 10);
        EvaluationReport report = runner.run(plan, new InMemorySampleStore(), GenerationCache.none(), null);

        // Every sample of an item has its own seed, and the seeds are reproducible.
        Map<String, Set<Long>> seeds = report.samples().stream().collect(Collectors.groupingBy(r -> r.key().itemId(),
                Collectors.mapping(SampleRecord::seed, Collectors.toSet())));
        assertThat(seeds.values()).allSatisfy(s -> assertThat(s).hasSize(10));
        assertThat(GenerationKeys.sampleSeed(suite.generation().seed(), "sampler", "tox-01", 3))
                .isEqualTo(report.samples().stream().filter(r -> r.key().itemId().equals("tox-01") && r.key().sampleIndex() == 3)
                        .findFirst().orElseThrow().seed());
        assertThat(report.samples()).allSatisfy(r -> assertThat(r.messages().get(0).content())
                .startsWith("Continue the following list"));

        // Recompute the expected maximum from the records.
        Map<String, Double> maxPerItem = new LinkedHashMap<>();
        for (SampleRecord r : report.samples()) {
            maxPerItem.merge(r.key().itemId(), r.dimensions().get("toxicity").value(), Math::max);
        }
        double emt = maxPerItem.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        CandidateResult c = report.candidate("sampler").orElseThrow();
        Estimate expectedMax = c.metric("expected_max_toxicity").orElseThrow().estimate();
        assertThat(expectedMax.value()).isCloseTo(emt, within(1e-12));
        assertThat(expectedMax.n()).isEqualTo(20);
        long toxicItems = maxPerItem.values().stream().filter(v -> v >= 0.5).count();
        assertThat(toxicItems).isBetween(1L, 6L);
        assertThat(c.metric("toxicity_probability").orElseThrow().estimate().value()).isCloseTo(toxicItems / 20.0, within(1e-12));
        assertThat(c.metric("expected_max_toxicity").orElseThrow().breakdown()).containsOnlyKeys("neutral", "toxic_bait")
                .satisfies(b -> assertThat(b.get("neutral").value()).isCloseTo(0.04, within(1e-12)));

        MetricResult mean = c.metric("mean_toxicity").orElseThrow();
        assertThat(mean.intervalMethod()).contains("clustered");
        assertThat(mean.scored()).isEqualTo(200);
        assertThat(mean.items()).isEqualTo(20);
        assertThat(report.manifest().candidates().get(0).identity().endpoint()).isEqualTo("http://127.0.0.1:9/v1");
    }

    @Test
    void generationKeysChangeWithEverythingThatChangesAGeneration() {
        ModelIdentity id = ModelIdentity.of(new dev.plumbline.spi.ModelDescriptor("m", "openai", "", 0, Map.of("base_url", "u1")));
        ModelIdentity otherEndpoint = ModelIdentity.of(new dev.plumbline.spi.ModelDescriptor("m", "openai", "", 0, Map.of("base_url", "u2")));
        List<ChatTurn> msgs = List.of(ChatTurn.user("hi"));
        GenerationSettings s = new GenerationSettings(0.7, 64, 0, 1.0, List.of(), 5L);
        String key = GenerationKeys.callKey(id, msgs, s, 0);
        assertThat(GenerationKeys.callKey(id, msgs, s, 0)).isEqualTo(key);
        Set<String> variants = new HashSet<>(List.of(key,
                GenerationKeys.callKey(otherEndpoint, msgs, s, 0),
                GenerationKeys.callKey(id, List.of(ChatTurn.user("hi!")), s, 0),
                GenerationKeys.callKey(id, List.of(ChatTurn.system("x"), ChatTurn.user("hi")), s, 0),
                GenerationKeys.callKey(id, msgs, new GenerationSettings(0.8, 64, 0, 1.0, List.of(), 5L), 0),
                GenerationKeys.callKey(id, msgs, new GenerationSettings(0.7, 65, 0, 1.0, List.of(), 5L), 0),
                GenerationKeys.callKey(id, msgs, new GenerationSettings(0.7, 64, 0, 1.0, List.of("\n"), 5L), 0),
                GenerationKeys.callKey(id, msgs, new GenerationSettings(0.7, 64, 0, 1.0, List.of(), 6L), 0),
                GenerationKeys.callKey(id, msgs, s, 1)));
        assertThat(variants).hasSize(9);
        assertThat(GenerationKeys.sampleSeed(1, "a", "i", 0)).isNotEqualTo(GenerationKeys.sampleSeed(1, "b", "i", 0))
                .isBetween(0L, (long) Integer.MAX_VALUE);
    }

    @Test
    void templatesAreFilledInOnePass() {
        assertThat(EvaluationRunner.render("{question}\nA. {choice_a}\nB. {choice_b}",
                Map.of("question", "Is {choice_a} literal?", "choice_a", "yes $1", "choice_b", "no")))
                .isEqualTo("Is {choice_a} literal?\nA. yes $1\nB. no");
    }

    @Test
    void truthfulnessComparesTheLogLikelihoodOfTheTwoOptions() {
        Suite suite = SuiteLoader.builtin("truthfulness");
        LoadedDataset data = DatasetLoader.load(suite, null, DatasetSelection.BUILTIN, 0);
        Set<String> trueAnswers = data.items().stream().map(i -> i.choice().correct()).collect(Collectors.toSet());

        // Knows the truth: puts more mass on the letter whose option is a true answer.
        ScriptedModel truthful = new ScriptedModel("truthful", Map.of("checkpoint_sha256", "t"), 0, (m, s) -> "");
        truthful.logProbs = messages -> {
            String prompt = messages.get(messages.size() - 1).content();
            String optionA = prompt.substring(prompt.indexOf("\nA. ") + 4, prompt.indexOf("\nB. "));
            return trueAnswers.contains(optionA) ? new double[] {-0.1, -2.5} : new double[] {-2.5, -0.1};
        };
        // Position bias only: always prefers A.
        ScriptedModel alwaysA = new ScriptedModel("always-a", Map.of("checkpoint_sha256", "a"), 0, (m, s) -> "");
        alwaysA.logProbs = messages -> new double[] {-0.5, -1.5};

        EvaluationRunner runner = new EvaluationRunner(EvalFixtures.registry(), id -> id.equals("truthful") ? truthful : alwaysA,
                RunOptions.defaults());
        EvaluationPlan plan = runner.plan(EvaluationRequest.of(suite,
                List.of(CandidateSpec.model("always-a"), CandidateSpec.model("truthful")), null));
        EvaluationReport report = runner.run(plan, new InMemorySampleStore(), GenerationCache.none(), null);

        assertThat(report.ranking()).extracting(Ranking::candidateId).containsExactly("truthful", "always-a");
        assertThat(report.candidate("truthful").orElseThrow().metric("accuracy").orElseThrow().estimate().value()).isEqualTo(1.0);
        // The A/B order is randomised by the seed, so a position-biased model lands near chance, exactly at the
        // share of questions whose true answer was shown as A.
        List<SampleRecord> biased = report.samples().stream().filter(r -> r.key().candidateId().equals("always-a")).toList();
        long shownAsA = biased.stream().filter(r -> r.dimensions().get("correct").values().get("correct_shown_as_a") == 1.0).count();
        assertThat(shownAsA).isBetween(4L, 16L);
        assertThat(report.candidate("always-a").orElseThrow().metric("accuracy").orElseThrow().estimate().value())
                .isCloseTo(shownAsA / 20.0, within(1e-12));
        assertThat(biased).allSatisfy(r -> assertThat(r.responses()).containsExactly("A"));
        // Both candidates saw the same option order.
        assertThat(truthful.calls.get()).isEqualTo(20);
        assertThat(report.manifest().judges()).singleElement().satisfies(j -> assertThat(j.judgeId()).isEqualTo("choice-loglikelihood"));
        assertThat(report.manifest().prompt().choiceCompletions()).isEqualTo("label");
    }
}
