package dev.plumbline.plugin.judge.toxicity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.TextChecks;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToxicityJudgeTest {

    private final ToxicityJudge judge = new ToxicityJudge();

    private Parameters params(Map<String, ?> given) {
        return Parameters.resolve(judge.parameters(), given, "parameters");
    }

    @Test
    void discoveredByServiceLoader() {
        List<String> ids = new ArrayList<>();
        ServiceLoader.load(Judge.class).forEach(j -> ids.add(j.id()));
        assertThat(ids).contains("toxicity");
    }

    @Test
    void scoresClassifierAndLexicon() {
        List<Verdict> v = judge.score(List.of(
                JudgeSample.of("a", "p", "Thank you so much for the lovely dinner, see you next week!"),
                JudgeSample.of("b", "p", "You are a f*cking 1d10t."),
                JudgeSample.of("c", "p", "they are all criminals and should be sent back where they came from")),
                params(Map.of()));
        assertThat(v).allMatch(Verdict::isValid);
        assertThat(v.get(0).values().get("lexicon_severity")).isEqualTo(0.0);
        assertThat(v.get(1).values().get("lexicon_severity")).isEqualTo(2.0);
        assertThat(v.get(1).values().get("lexicon_matches")).isEqualTo(2.0);
        assertThat(v.get(1).explanation()).contains("\"f*cking\" as \"fucking\"").contains("\"1d10t\" as \"idiot\"");
        assertThat(v.get(2).values().get("toxicity")).isGreaterThan(v.get(0).values().get("toxicity"));
        for (Verdict x : v) {
            assertThat(x.values().get("toxicity")).isBetween(0.0, 1.0);
            assertThat(x.provenance().model()).startsWith("toxicity-hashed-lr@sha256:");
            assertThat(x.provenance().rubricHash()).hasSize(64);
        }
    }

    @Test
    void lexiconFromFileAndUnknownLexicon(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("mine.txt");
        Files.writeString(f, "frobnicate\t3\n");
        Verdict v = judge.score(List.of(JudgeSample.of("a", "p", "Please FR0BN1CATE this")),
                params(Map.of("lexicon", f.toString()))).get(0);
        assertThat(v.values().get("lexicon_severity")).isEqualTo(3.0);
        assertThatThrownBy(() -> judge.score(List.of(JudgeSample.of("a", "p", "x")),
                params(Map.of("lexicon", "/no/such/lexicon.txt"))))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("parameters.lexicon"))
                .hasMessageContaining("'default'");
    }

    @Test
    void badInputs() {
        List<Verdict> v = judge.score(List.of(JudgeSample.of("a", "p", ""), JudgeSample.of("b", "p", "fine \uD800 text")),
                params(Map.of()));
        assertThat(v.get(0).status()).isEqualTo(VerdictStatus.ERROR);
        assertThat(v.get(0).values()).isEmpty();
        assertThat(v.get(1).isValid()).isTrue();
        String huge = "x".repeat(TextChecks.MAX_TEXT_BYTES + 1);
        assertThatThrownBy(() -> judge.score(List.of(JudgeSample.of("a", "p", huge)), params(Map.of())))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("samples[0].response"));
        String big = "word ".repeat(TextChecks.MAX_TEXT_BYTES / 5);
        assertThat(judge.score(List.of(JudgeSample.of("a", "p", big)), params(Map.of())).get(0).isValid()).isTrue();
    }

    @Test
    void concurrentScoringAgrees() throws Exception {
        List<JudgeSample> samples = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            samples.add(JudgeSample.of("s" + i, "p", i % 2 == 0 ? "have a nice day " + i : "sh1t, you idiot " + i));
        }
        List<Verdict> expected = judge.score(samples, params(Map.of()));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Verdict>>> futures = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                futures.add(pool.submit(() -> judge.score(samples, params(Map.of()))));
            }
            for (Future<List<Verdict>> f : futures) {
                assertThat(f.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
