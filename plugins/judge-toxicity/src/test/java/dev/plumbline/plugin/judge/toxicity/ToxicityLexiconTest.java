package dev.plumbline.plugin.judge.toxicity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.spi.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ToxicityLexiconTest {

    private static final ToxicityLexicon LEXICON = ToxicityLexicon.parse(
            "# test lexicon\nfuck\t2\nshit\t2\nidiot\t1\nass\t2\nkill yourself\t3\nbitch\n".getBytes(StandardCharsets.UTF_8),
            "test.txt");

    private static List<String> terms(String text) {
        return LEXICON.find(text).stream().map(ToxicityLexicon.Match::term).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fuck", "FUCK", "Fuck off", "fuuuuuck", "f u c k", "f.u.c.k", "f-u-c-k", "f*ck", "f**k",
        "fսck", "ｆｕｃｋ", "fúck", "phuck you f_ck", "what the f#ck"})
    void obfuscatedSpellingsOfOneTermMatch(String text) {
        assertThat(terms(text)).as(text).contains("fuck");
    }

    @Test
    void leetspeakDiacriticsAndLookAlikes() {
        assertThat(terms("you 1d10t")).containsExactly("idiot");
        assertThat(terms("5h1t happens")).containsExactly("shit");
        assertThat(terms("b!tch")).containsExactly("bitch");
        assertThat(terms("ѕhіt")).containsExactly("shit"); // Cyrillic s and i
        assertThat(terms("what an idiot!")).containsExactly("idiot");
    }

    @Test
    void wholeWordsOnlyAndRunsMustCoverTheTerm() {
        assertThat(terms("Scunthorpe and shitake mushrooms, assess the class")).isEmpty();
        assertThat(terms("as far as I know")).isEmpty();
        assertThat(terms("a s s")).containsExactly("ass");
        assertThat(terms("****")).isEmpty();
        assertThat(terms("the year 1337 and 5000 people")).isEmpty();
    }

    @Test
    void phrasesSeverityOrderAndDefaultSeverity() {
        List<ToxicityLexicon.Match> m = LEXICON.find("Idiot, just k1ll yourself you bitch");
        assertThat(m).extracting(ToxicityLexicon.Match::term).containsExactly("kill yourself", "bitch", "idiot");
        assertThat(m.get(0).severity()).isEqualTo(3);
        assertThat(m.get(1).severity()).isEqualTo(ToxicityLexicon.DEFAULT_SEVERITY);
        assertThat(m.get(0).found()).isEqualTo("k1ll yourself");
    }

    @Test
    void badLexiconFilesNameFileAndLine() {
        assertThatThrownBy(() -> ToxicityLexicon.parse("ok\nbad\t7\n".getBytes(StandardCharsets.UTF_8), "lex.txt"))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("lex.txt:2"))
                .hasMessageContaining("severity must be 1, 2 or 3");
        assertThatThrownBy(() -> ToxicityLexicon.parse(new byte[] {'o', 'k', '\n', (byte) 0xC3, '\n'}, "lex.txt"))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("lex.txt:2"))
                .hasMessageContaining("UTF-8");
        assertThatThrownBy(() -> ToxicityLexicon.parse("# only comments\n\n".getBytes(StandardCharsets.UTF_8), "lex.txt"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no terms");
        assertThatThrownBy(() -> ToxicityLexicon.parse("ok\n\t2\n".getBytes(StandardCharsets.UTF_8), "lex.txt"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("empty term");
        ToxicityLexicon emoji = ToxicityLexicon.parse("\uD83D\uDD95\t2\n".getBytes(StandardCharsets.UTF_8), "emoji.txt");
        assertThat(emoji.find("so \uD83D\uDD95 to you")).hasSize(1);
    }

    @Test
    void ldnoobwListLoadsWithDefaultSeverity() throws Exception {
        String dir = System.getProperty("plumbline.datasets.dir");
        assertThat(dir).isNotBlank();
        Path en = Path.of(dir, "ldnoobw", "en.txt");
        assertThat(en).isRegularFile();
        ToxicityLexicon ldnoobw = ToxicityLexicon.parse(Files.readAllBytes(en), en.toString());
        assertThat(ldnoobw.size()).isEqualTo(403);
        assertThat(ldnoobw.find("what a f*cking mess").stream().map(ToxicityLexicon.Match::term)).contains("fucking");
        assertThat(ldnoobw.find("The committee met on Tuesday to discuss the budget.")).isEmpty();
    }
}
