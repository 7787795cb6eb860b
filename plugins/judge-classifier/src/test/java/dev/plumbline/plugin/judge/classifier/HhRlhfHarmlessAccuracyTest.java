package dev.plumbline.plugin.judge.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.plumbline.engine.stats.Agreement;
import dev.plumbline.engine.stats.Interval;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Chosen-vs-rejected accuracy of the tiny test reward model on Anthropic hh-rlhf harmless-base
 * (test split, first 80 % of rows). Evaluation only: nothing is fitted to these rows. The model is
 * a hand-set lexicon toy ("helpful words up, refusal words down"), so this measures the plumbing,
 * not a reward model; the numbers are reported in docs/JUDGES.md.
 */
class HhRlhfHarmlessAccuracyTest {

    static final String SEPARATOR = "\n\nAssistant:";
    static final int EXPECTED_ROWS = 1849;

    record Pair(String chosenPrompt, String chosen, String rejectedPrompt, String rejected) {}

    /**
     * One template's result: strict wins (chosen > rejected), ties and the Wilson interval over the
     * pairs where both verdicts are valid; {@code failed} pairs are excluded, never counted as scores.
     */
    record Accuracy(String what, int n, int wins, int ties, int failed, Interval wilson95) {
        double accuracy() {
            return (double) wins / n;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-40s n=%d  wins=%d ties=%d failed=%d  accuracy=%.1f %% [%.1f, %.1f]",
                    what, n, wins, ties, failed, 100 * accuracy(), 100 * wilson95.lower(), 100 * wilson95.upper());
        }
    }

    private static List<Pair> pairs;

    @BeforeAll
    static void readDataset() throws Exception {
        Path file = Path.of(System.getProperty("plumbline.datasets.dir", "../../../shared/datasets"),
                "hh-rlhf", "harmless-base-test.first80.jsonl");
        assumeTrue(Files.isRegularFile(file), () -> file + " is missing (see ../shared/datasets/README.md)");
        pairs = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject row = JsonParser.parseString(line).getAsJsonObject();
            String[] chosen = split(row.get("chosen").getAsString());
            String[] rejected = split(row.get("rejected").getAsString());
            pairs.add(new Pair(chosen[0], chosen[1], rejected[0], rejected[1]));
        }
    }

    /** Prompt = the conversation before the last assistant turn; response = that turn. */
    static String[] split(String transcript) {
        int at = transcript.lastIndexOf(SEPARATOR);
        assertThat(at).as("no assistant turn in %s", transcript).isGreaterThanOrEqualTo(0);
        return new String[] {transcript.substring(0, at).strip(), transcript.substring(at + SEPARATOR.length()).strip()};
    }

    @Test
    void tinyRewardModelIsNearChanceOnHarmlessPairs() {
        assertThat(pairs).hasSize(EXPECTED_ROWS);
        long samePrompt = pairs.stream().filter(p -> p.chosenPrompt().equals(p.rejectedPrompt())).count();
        Path model = TinyRewardModels.dir(TinyRewardModels.SINGLE_LOGIT);
        ClassifierJudge judge = new ClassifierJudge();

        List<Accuracy> results = new ArrayList<>();
        for (String template : InputTemplate.NAMES) {
            Parameters parameters = Parameters.resolve(judge.parameters(),
                    Map.of("model_dir", model.toString(), "template", template, "max_length", 512), "parameters");
            List<JudgeSample> samples = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i++) {
                Pair p = pairs.get(i);
                samples.add(JudgeSample.of(i + "/chosen", p.chosenPrompt(), p.chosen()));
                samples.add(JudgeSample.of(i + "/rejected", p.rejectedPrompt(), p.rejected()));
            }
            List<Verdict> verdicts = judge.score(samples, parameters);
            double[] chosen = new double[pairs.size()];
            double[] rejected = new double[pairs.size()];
            for (int i = 0; i < pairs.size(); i++) {
                chosen[i] = scoreOrNaN(verdicts.get(2 * i));
                rejected[i] = scoreOrNaN(verdicts.get(2 * i + 1));
            }
            Accuracy result = accuracy("single-logit, template=" + template, chosen, rejected);
            // Only chat can fail here: a conversation longer than 512 tokens before the last answer.
            assertThat(result.failed()).as(result.toString()).isLessThanOrEqualTo(template.equals("chat") ? 40 : 0);
            results.add(result);
        }
        double[] chosenLength = pairs.stream().mapToDouble(p -> p.chosen().length()).toArray();
        double[] rejectedLength = pairs.stream().mapToDouble(p -> p.rejected().length()).toArray();
        Accuracy longer = accuracy("baseline: longer response wins", chosenLength, rejectedLength);
        Accuracy shorter = accuracy("baseline: shorter response wins", rejectedLength, chosenLength);

        System.out.printf(Locale.ROOT, "hh-rlhf harmless-base test (first 80%%): %d pairs, %d with identical prompts%n",
                pairs.size(), samePrompt);
        results.forEach(System.out::println);
        System.out.println(longer);
        System.out.println(shorter);

        for (Accuracy a : results) {
            assertThat(a.n() + a.failed()).isEqualTo(EXPECTED_ROWS);
            // A hand-set lexicon toy must not look like a trained reward model: even OpenAssistant's
            // deberta-v3-large-v2 reaches only 56-59 % on anthropic_harmless (RewardBench pref-sets), so
            // far above chance would mean leaked labels; far below, a pairing or sign bug.
            assertThat(a.accuracy()).as(a.toString()).isBetween(0.35, 0.62);
        }
    }

    private static double scoreOrNaN(Verdict v) {
        if (v.status() == VerdictStatus.VALID) {
            return v.values().get("score");
        }
        assertThat(v.error()).as(v.sampleId()).contains("before the response starts");
        return Double.NaN;
    }

    static Accuracy accuracy(String what, double[] chosen, double[] rejected) {
        int wins = 0;
        int ties = 0;
        int failed = 0;
        for (int i = 0; i < chosen.length; i++) {
            if (Double.isNaN(chosen[i]) || Double.isNaN(rejected[i])) {
                failed++;
            } else if (chosen[i] > rejected[i]) {
                wins++;
            } else if (chosen[i] == rejected[i]) {
                ties++;
            }
        }
        int n = chosen.length - failed;
        return new Accuracy(what, n, wins, ties, failed, Agreement.wilson(wins, n, 0.95));
    }
}
