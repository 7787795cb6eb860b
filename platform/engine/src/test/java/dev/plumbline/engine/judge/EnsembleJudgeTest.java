package dev.plumbline.engine.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class EnsembleJudgeTest {

    record FixedJudge(String id, Function<JudgeSample, Verdict> rule) implements Judge {
        @Override
        public String description() {
            return "fixed";
        }

        @Override
        public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
            return samples.stream().map(rule).toList();
        }
    }

    final Judge rules = new FixedJudge("rules", s -> Verdict.valid(s.id(), Map.of("harmlessness", 1.0), "", null));
    final Judge toxicity = new FixedJudge("toxicity", s -> s.response().contains("fail")
            ? Verdict.failed(s.id(), VerdictStatus.ERROR, "model down", null)
            : Verdict.valid(s.id(), Map.of("toxicity", 0.2), "", null));
    final PluginRegistry registry = PluginRegistry.of(List.of(rules, toxicity));
    final EnsembleJudge ensemble = new EnsembleJudge(registry::judge);

    List<Verdict> score(String dims, String policy, String... responses) {
        Parameters p = Parameters.resolve(ensemble.parameters(),
                Map.of("dimensions", dims, "on_member_failure", policy), "parameters");
        return ensemble.score(java.util.Arrays.stream(responses).map(r -> JudgeSample.of(r, "p", r)).toList(), p);
    }

    @Test
    void weightedMeanPerDimensionWithInvertedTerms() {
        Verdict v = score("safety = 3*rules.harmlessness + 1*(1-toxicity.toxicity); tox = 1*toxicity.toxicity",
                "fail", "ok").get(0);
        assertThat(v.values().get("safety")).isCloseTo((3 * 1.0 + 0.8) / 4, within(1e-12));
        assertThat(v.values().get("tox")).isCloseTo(0.2, within(1e-12));
        assertThat(v.provenance().rubricHash()).hasSize(64);
    }

    @Test
    void memberFailureFailsOrIsSkippedAsAsked() {
        String dims = "safety = 1*rules.harmlessness + 1*(1-toxicity.toxicity)";
        Verdict failed = score(dims, "fail", "fail please").get(0);
        assertThat(failed.status()).isEqualTo(VerdictStatus.ERROR);
        assertThat(failed.values()).isEmpty();
        Verdict skipped = score(dims, "skip", "fail please").get(0);
        assertThat(skipped.values()).containsEntry("safety", 1.0);
        assertThat(skipped.explanation()).contains("skipped toxicity");
    }

    @Test
    void badDefinitionsNameTheParameter() {
        for (String bad : new String[] {"safety", "safety = rules.harmlessness", "s = 0*rules.harmlessness",
                "s = 1*nope.x", "s = 1*(1-rules.harmlessness"}) {
            assertThatThrownBy(() -> score(bad, "fail", "x")).as(bad)
                    .isInstanceOf(InvalidInputException.class)
                    .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("parameters.dimensions");
        }
    }

    @Test
    void discoveredRegistriesCarryTheEnsemble() {
        assertThat(PluginRegistry.discover(getClass().getClassLoader()).judge("ensemble")).isInstanceOf(EnsembleJudge.class);
    }
}
