package dev.plumbline.engine.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.ComparisonPair;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.TextChecks;
import dev.plumbline.spi.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The edge checks of GuardedJudge (from {@link TextChecks}) and the field paths they report. */
class GuardedJudgeTest {

    static final class LengthJudge implements Judge {
        @Override
        public String id() {
            return "length";
        }

        @Override
        public String description() {
            return "response length";
        }

        @Override
        public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
            return samples.stream().map(s -> Verdict.valid(s.id(), Map.of("chars", (double) s.response().length()), "",
                    null)).toList();
        }
    }

    final GuardedJudge judge = GuardedJudge.of(PluginRegistry.of(List.of(new LengthJudge())), "length", Map.of(),
            "parameters");

    static JudgeSample sample(String id, String prompt, String response, String reference) {
        return new JudgeSample(id, prompt, response, "", reference, List.of(), Map.of());
    }

    @Test
    void oversizedTextIsRejectedWithItsFieldPath() {
        String tooLong = "y".repeat(TextChecks.MAX_TEXT_BYTES + 1);
        assertThatThrownBy(() -> judge.score(List.of(sample("a", "p", "x", ""), sample("b", "p", tooLong, "")),
                "samples"))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("samples[1].response"))
                .hasMessageContaining("the limit is 1048576");
        assertThatThrownBy(() -> judge.validate(sample("a", tooLong, "x", ""), "sample"))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("sample.prompt"));
        assertThatThrownBy(() -> judge.validate(sample("a", "p", "x", tooLong), "samples[0]"))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("samples[0].reference"));
    }

    @Test
    void theLimitIsBytesOfUtf8NotCharacters() {
        // 'é' is 2 bytes: half the limit in characters is exactly the limit in bytes.
        String atLimit = "é".repeat(TextChecks.MAX_TEXT_BYTES / 2);
        assertThat(judge.score(List.of(sample("a", "p", atLimit, "")), "samples")).allMatch(Verdict::isValid);
        assertThatThrownBy(() -> judge.validate(sample("a", "p", atLimit + "é", ""), "sample"))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("sample.response"))
                .hasMessageContaining("is 1048578 bytes of UTF-8");
    }

    @Test
    void loneSurrogatesAreRejectedAtTheEdge() {
        assertThatThrownBy(() -> judge.score(List.of(sample("a", "p", "ok", ""), sample("b", "p", "cut \uD83D", "")),
                "samples"))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("samples[1].response"))
                .hasMessageContaining("lone surrogate at index 4");
        assertThatThrownBy(() -> judge.validate(new ComparisonPair("p", "q", "fine", "\uDC00x", "", "", List.of()),
                "pairs[2]"))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("pairs[2].response_b"));
        assertThat(judge.score(List.of(sample("a", "p", "emoji \uD83D\uDE00 fine", "")), "samples"))
                .allMatch(Verdict::isValid);
    }
}
