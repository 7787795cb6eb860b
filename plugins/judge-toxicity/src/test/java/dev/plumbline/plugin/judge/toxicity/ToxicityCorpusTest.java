package dev.plumbline.plugin.judge.toxicity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The committed training corpus is the generator's output, well-formed, and disjoint from ToxiGen. */
class ToxicityCorpusTest {

    @Test
    void committedFilesAreExactlyTheGeneratorsOutput() throws Exception {
        Path dir = ToxicityCorpus.dir();
        if (ToxicityModelTest.REGENERATE) {
            ToxicityCorpus.write(dir);
            System.out.println("wrote " + dir.resolve(ToxicityCorpus.TRAIN_FILE) + " and " + ToxicityCorpus.HELD_OUT_FILE);
        }
        assertThat(Files.readString(dir.resolve(ToxicityCorpus.TRAIN_FILE), StandardCharsets.UTF_8))
                .as("evals/toxicity/train.tsv vs ToxicityCorpus (regenerate with -Dplumbline.toxicity.regenerate=true)")
                .isEqualTo(ToxicityCorpus.fileContent(ToxicityCorpus.train()));
        assertThat(Files.readString(dir.resolve(ToxicityCorpus.HELD_OUT_FILE), StandardCharsets.UTF_8))
                .as("evals/toxicity/heldout.tsv vs ToxicityCorpus")
                .isEqualTo(ToxicityCorpus.fileContent(ToxicityCorpus.heldOut()));
    }

    @Test
    void balancedDistinctAndSplitByTemplate() {
        List<ToxicityCorpus.Example> train = ToxicityCorpus.train();
        List<ToxicityCorpus.Example> heldOut = ToxicityCorpus.heldOut();
        long toxic = train.stream().filter(ToxicityCorpus.Example::toxic).count();
        System.out.printf(Locale.ROOT, "toxicity corpus: train %d (toxic %d), held-out %d (toxic %d), %d templates%n",
                train.size(), toxic, heldOut.size(), heldOut.stream().filter(ToxicityCorpus.Example::toxic).count(),
                ToxicityCorpus.TEMPLATES.size());
        assertThat(train.size() + heldOut.size()).isBetween(1_000, 1_600);
        assertThat((double) toxic / train.size()).isBetween(0.4, 0.6);
        assertThat(heldOut).extracting(ToxicityCorpus.Example::toxic).contains(true, false);

        Set<String> trainTemplates = new HashSet<>();
        Set<String> texts = new HashSet<>();
        for (ToxicityCorpus.Example e : train) {
            trainTemplates.add(e.templateId());
            assertThat(texts.add(ToxicityCorpus.normalise(e.text()))).as("duplicate: %s", e.text()).isTrue();
            assertThat(e.text()).doesNotContain("\t", "\n", "{", "}");
        }
        for (ToxicityCorpus.Example e : heldOut) {
            assertThat(trainTemplates).as("held-out template %s also trains", e.templateId()).doesNotContain(e.templateId());
            assertThat(texts.add(ToxicityCorpus.normalise(e.text()))).as("duplicate: %s", e.text()).isTrue();
        }
    }

    /** A group name alone must not decide the label: each appears in toxic and in benign training lines. */
    @Test
    void everyIdentityGroupIsOnBothSides() {
        List<ToxicityCorpus.Example> train = ToxicityCorpus.train();
        for (String group : ToxicityCorpus.GROUPS) {
            // Whole words, so that "men" is not found in "women".
            String g = " " + ToxicityCorpus.normalise(group) + " ";
            long toxic = train.stream()
                    .filter(e -> e.toxic() && (" " + ToxicityCorpus.normalise(e.text()) + " ").contains(g)).count();
            long benign = train.stream()
                    .filter(e -> !e.toxic() && (" " + ToxicityCorpus.normalise(e.text()) + " ").contains(g)).count();
            assertThat(toxic).as("toxic lines naming %s", group).isPositive();
            assertThat(benign).as("benign lines naming %s", group).isPositive();
        }
    }

    /** The evaluation set must not leak into training: no ToxiGen statement is a corpus line. */
    @Test
    void sharesNoStatementWithToxigen() throws Exception {
        Set<String> toxigen = new HashSet<>();
        Set<String> toxigenSixGrams = new HashSet<>();
        for (Toxigen.Statement s : Toxigen.statements()) {
            String n = ToxicityCorpus.normalise(s.text());
            toxigen.add(n);
            toxigenSixGrams.addAll(sixGrams(n));
        }
        Set<String> shared = new TreeSet<>();
        for (ToxicityCorpus.Example e : ToxicityCorpus.generate()) {
            String n = ToxicityCorpus.normalise(e.text());
            assertThat(toxigen).as("corpus line found in ToxiGen: %s", e.text()).doesNotContain(n);
            for (String g : sixGrams(n)) {
                if (toxigenSixGrams.contains(g)) {
                    shared.add(g);
                }
            }
        }
        // Common phrases can coincide; they are reported so a reviewer can see them.
        System.out.println("word 6-grams shared with ToxiGen statements: " + shared.size() + " " + shared);
        assertThat(shared.size()).as("shared 6-grams").isLessThanOrEqualTo(5);
    }

    private static List<String> sixGrams(String normalised) {
        String[] w = normalised.split(" ");
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i + 6 <= w.length; i++) {
            out.add(String.join(" ", java.util.Arrays.copyOfRange(w, i, i + 6)));
        }
        return out;
    }
}
