package dev.plumbline.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextChecksTest {

    @Test
    void requestChecksNameTheFirstBadField() {
        assertThatThrownBy(() -> TextChecks.checkSamples(null))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("samples"));
        assertThatThrownBy(() -> TextChecks.checkSamples(Arrays.asList(JudgeSample.of("a", "p", "r"), null)))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("samples[1]"));
        assertThatThrownBy(() -> TextChecks.checkSamples(List.of(JudgeSample.of("a", "p", null))))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("samples[0].response"))
                .hasMessageContaining("is missing");
        String tooLong = "x".repeat(TextChecks.MAX_TEXT_BYTES + 1);
        assertThatThrownBy(() -> TextChecks.checkSamples(List.of(JudgeSample.of("a", tooLong, "r"))))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("samples[0].prompt"))
                .hasMessageContaining("is 1048577 bytes of UTF-8; the limit is 1048576");
        // Blank responses and lone surrogates are the judge's to handle, not request errors.
        assertThatCode(() -> TextChecks.checkSamples(List.of(JudgeSample.of("a", null, " "),
                JudgeSample.of("b", "p", "cut \uD83D")))).doesNotThrowAnyException();
    }

    @Test
    void limitCountsUtf8Bytes() {
        assertThatCode(() -> TextChecks.checkLength("a".repeat(TextChecks.MAX_TEXT_BYTES), "f")).doesNotThrowAnyException();
        // U+20AC is 3 bytes; a surrogate pair is 4.
        String euros = "\u20AC".repeat(TextChecks.MAX_TEXT_BYTES / 3);
        assertThatCode(() -> TextChecks.checkLength(euros + "a", "f")).doesNotThrowAnyException();
        assertThatThrownBy(() -> TextChecks.checkLength(euros + "\u20AC", "f")).isInstanceOf(InvalidInputException.class);
        assertThat(TextChecks.utf8Length("a\u00E9\u20AC\uD83D\uDE00")).isEqualTo(1 + 2 + 3 + 4);
        assertThat(TextChecks.utf8Length("\uD800")).as("lone surrogate, counted as U+FFFD").isEqualTo(3);
    }

    @Test
    void loneSurrogatesAreFoundRejectedOrRepaired() {
        assertThat(TextChecks.loneSurrogateIndex("fine \uD83D\uDE00 text")).isEqualTo(-1);
        assertThat(TextChecks.loneSurrogateIndex("ab\uDE00")).isEqualTo(2);
        assertThat(TextChecks.loneSurrogateIndex("ab\uD83D")).isEqualTo(2);
        assertThat(TextChecks.loneSurrogateIndex("\uD83D\uD83D\uDE00")).isEqualTo(0);
        assertThatThrownBy(() -> TextChecks.checkText("x\uDC00", "sample.response"))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("sample.response"))
                .hasMessageContaining("lone surrogate at index 1");
        String broken = "I'm sorry \uD800 but I can't help with that.\uDC00";
        assertThat(TextChecks.wellFormed(broken)).isEqualTo("I'm sorry \uFFFD but I can't help with that.\uFFFD");
        String ok = "emoji \uD83D\uDE00 fine";
        assertThat(TextChecks.wellFormed(ok)).isSameAs(ok);
        assertThat(TextChecks.wellFormed("\uD83D\uD83D\uDE00")).isEqualTo("\uFFFD\uD83D\uDE00");
    }
}
