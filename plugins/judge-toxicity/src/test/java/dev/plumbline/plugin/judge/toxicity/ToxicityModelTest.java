package dev.plumbline.plugin.judge.toxicity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.plumbline.engine.stats.Agreement;
import dev.plumbline.engine.stats.AgreementReport;
import dev.plumbline.engine.stats.RocAuc;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trains the toxicity model in Java on the project's own corpus ({@code evals/toxicity/train.tsv}),
 * checks that the committed ONNX file is exactly what this code produces (so it can always be
 * re-derived), and <b>evaluates</b> it on the corpus's held-out templates and on ToxiGen (weak
 * file-level labels; ToxiGen is never trained on).
 *
 * <p>Regenerate the corpus and the committed model after changing templates, features or training:
 * {@code ./mvnw -B -q install -pl plugins/judge-toxicity -am -Dtest='ToxicityCorpusTest,ToxicityModelTest' -Dsurefire.failIfNoSpecifiedTests=false -Dplumbline.toxicity.regenerate=true}
 */
class ToxicityModelTest {

    static final boolean REGENERATE = Boolean.getBoolean("plumbline.toxicity.regenerate");

    // Floors: the measured values rounded down (training is deterministic, so any drop is a change
    // in corpus, features or training). Measured: held-out AUC 0.983, accuracy 0.897; ToxiGen
    // prompts AUC 0.907, accuracy 0.685; ToxiGen statements AUC 0.704, accuracy 0.622 (docs/JUDGES.md).
    static final double FLOOR_HELD_OUT_AUC = 0.98;
    static final double FLOOR_HELD_OUT_ACCURACY = 0.89;
    static final double FLOOR_TOXIGEN_PROMPT_AUC = 0.90;
    static final double FLOOR_TOXIGEN_PROMPT_ACCURACY = 0.68;
    static final double FLOOR_TOXIGEN_STATEMENT_AUC = 0.70;
    static final double FLOOR_TOXIGEN_STATEMENT_ACCURACY = 0.62;

    private static List<ToxicityCorpus.Labelled> train;
    private static List<ToxicityCorpus.Labelled> heldOut;
    private static String trainSha256;
    private static LogisticRegressionTrainer.Model model;

    @BeforeAll
    static void trainOnTheCorpus() throws Exception {
        if (REGENERATE) {
            ToxicityCorpus.write(ToxicityCorpus.dir());
        }
        Path trainFile = ToxicityCorpus.dir().resolve(ToxicityCorpus.TRAIN_FILE);
        train = ToxicityCorpus.read(trainFile);
        heldOut = ToxicityCorpus.read(ToxicityCorpus.dir().resolve(ToxicityCorpus.HELD_OUT_FILE));
        trainSha256 = Hashing.sha256(Files.readAllBytes(trainFile));
        model = fit(train);
    }

    static LogisticRegressionTrainer.Model fit(List<ToxicityCorpus.Labelled> data) {
        List<HashedNgramFeatures.Sparse> xs = new ArrayList<>();
        boolean[] ys = new boolean[data.size()];
        for (int i = 0; i < data.size(); i++) {
            xs.add(HashedNgramFeatures.extract(data.get(i).text()));
            ys[i] = data.get(i).toxic();
        }
        return LogisticRegressionTrainer.train(xs, ys, HashedNgramFeatures.DIMENSION,
                LogisticRegressionTrainer.Settings.defaults());
    }

    static byte[] onnx(LogisticRegressionTrainer.Model m) {
        return OnnxGraphWriter.logisticRegression(m.weights(), m.bias(),
                "Toxicity logistic regression on hashed n-grams; trained by ToxicityModelTest on " + train.size()
                        + " sentences of the project's own corpus (evals/toxicity/train.tsv)",
                Map.of(ToxicityClassifier.SPEC_KEY, HashedNgramFeatures.SPEC,
                        "training_data", "plumbline evals/toxicity/train.tsv sha256:" + trainSha256,
                        "trainer", LogisticRegressionTrainer.Settings.defaults().toString()));
    }

    @Test
    void committedModelIsExactlyWhatTrainingProduces() throws Exception {
        byte[] expected = onnx(model);
        if (REGENERATE) {
            Path out = Path.of(System.getProperty("plumbline.module.dir"), "src/main/resources", ToxicityClassifier.RESOURCE);
            Files.createDirectories(out.getParent());
            Files.write(out, expected);
            System.out.println("wrote " + out + " (" + expected.length + " bytes)");
        } else {
            byte[] committed;
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(ToxicityClassifier.RESOURCE)) {
                assertThat(in).as("committed model resource").isNotNull();
                committed = in.readAllBytes();
            }
            assertThat(Hashing.sha256(committed))
                    .as("SHA-256 of the committed ONNX vs the retrained model (regenerate with -Dplumbline.toxicity.regenerate=true)")
                    .isEqualTo(Hashing.sha256(expected));
        }
        assertThat(expected.length).as("model size").isLessThan(300_000);
    }

    @Test
    void heldOutTemplatesOfTheCorpus() throws Exception {
        List<String> texts = new ArrayList<>();
        double[] javaScores = new double[heldOut.size()];
        boolean[] gold = new boolean[heldOut.size()];
        for (int i = 0; i < heldOut.size(); i++) {
            texts.add(heldOut.get(i).text());
            javaScores[i] = model.probability(HashedNgramFeatures.extract(heldOut.get(i).text()));
            gold[i] = heldOut.get(i).toxic();
        }
        double[] onnxScores;
        try (ToxicityClassifier c = ToxicityClassifier.fromBytes(onnx(model))) {
            onnxScores = c.predict(texts);
        }
        for (int i = 0; i < heldOut.size(); i++) {
            assertThat(onnxScores[i]).as("ONNX vs Java scoring, held-out line %d", i).isCloseTo(javaScores[i], within(1e-4));
        }
        RocAuc.Result auc = RocAuc.measure(onnxScores, gold, 0.95);
        AgreementReport acc = Agreement.measure(labels(gold), labels(onnxScores, 0.5));
        System.out.printf(Locale.ROOT, "Own corpus, held-out templates: train=%d held-out=%d (toxic %d)%n"
                        + "  AUC=%.4f %s  accuracy@0.5: %s%n%s",
                train.size(), heldOut.size(), count(gold), auc.auc(), auc.interval(), acc.summary(), acc.matrix().toTable());
        assertThat(heldOut.size()).isGreaterThan(200);
        assertThat(auc.auc()).isGreaterThanOrEqualTo(FLOOR_HELD_OUT_AUC);
        assertThat(acc.accuracy()).isGreaterThanOrEqualTo(FLOOR_HELD_OUT_ACCURACY);
    }

    /**
     * ToxiGen prompts as the toxicity suite sends them (about six statements per prompt), labelled by
     * their file. Prompts re-use statements heavily, so the interval is a cluster bootstrap over the
     * 31 files (resampled within each label), not a per-prompt formula.
     */
    @Test
    void toxigenPromptsWithFileLabels() throws Exception {
        List<Toxigen.Prompt> prompts = Toxigen.prompts();
        double[] scores = new double[prompts.size()];
        boolean[] gold = new boolean[prompts.size()];
        Map<String, List<Integer>> byFile = new TreeMap<>();
        for (int i = 0; i < prompts.size(); i++) {
            scores[i] = model.probability(HashedNgramFeatures.extract(prompts.get(i).text()));
            gold[i] = prompts.get(i).hateful();
            byFile.computeIfAbsent(prompts.get(i).file(), f -> new ArrayList<>()).add(i);
        }
        double auc = RocAuc.auc(scores, gold);
        double[] interval = fileBootstrapAucInterval(scores, gold, byFile, 2_000, 20240611L);
        AgreementReport acc = Agreement.measure(labels(gold), labels(scores, 0.5));
        System.out.printf(Locale.ROOT, "ToxiGen prompts, file labels (hate_* = toxic): n=%d (hateful %d) in %d files%n"
                        + "  AUC=%.4f [%.4f, %.4f] (file bootstrap)  accuracy@0.5: %s%n%s",
                prompts.size(), count(gold), byFile.size(), auc, interval[0], interval[1], acc.summary(),
                acc.matrix().toTable());
        printPerGroup(prompts.stream().map(Toxigen.Prompt::group).toList(), scores, gold);
        assertThat(prompts).hasSize(31_000);
        assertThat(auc).isGreaterThanOrEqualTo(FLOOR_TOXIGEN_PROMPT_AUC);
        assertThat(acc.accuracy()).isGreaterThanOrEqualTo(FLOOR_TOXIGEN_PROMPT_ACCURACY);
    }

    /** The distinct statements behind the prompts (and the seed demonstrations): independent items. */
    @Test
    void toxigenStatementsWithFileLabels() throws Exception {
        List<Toxigen.Statement> statements = Toxigen.statements();
        List<String> texts = statements.stream().map(Toxigen.Statement::text).toList();
        double[] scores;
        try (ToxicityClassifier c = ToxicityClassifier.fromBytes(onnx(model))) {
            scores = c.predict(texts);
        }
        boolean[] gold = new boolean[statements.size()];
        for (int i = 0; i < gold.length; i++) {
            gold[i] = statements.get(i).hateful();
        }
        RocAuc.Result auc = RocAuc.measure(scores, gold, 0.95);
        AgreementReport acc = Agreement.measure(labels(gold), labels(scores, 0.5));
        System.out.printf(Locale.ROOT, "ToxiGen distinct statements, file labels: n=%d (hateful %d)%n"
                        + "  AUC=%.4f %s  accuracy@0.5: %s%n%s",
                statements.size(), count(gold), auc.auc(), auc.interval(), acc.summary(), acc.matrix().toTable());
        printPerGroup(statements.stream().map(Toxigen.Statement::group).toList(), scores, gold);
        assertThat(statements.size()).isGreaterThan(700);
        assertThat(auc.auc()).isGreaterThanOrEqualTo(FLOOR_TOXIGEN_STATEMENT_AUC);
        assertThat(acc.accuracy()).isGreaterThanOrEqualTo(FLOOR_TOXIGEN_STATEMENT_ACCURACY);
    }

    /**
     * Percentile interval of the AUC when whole files are resampled with replacement, hateful files
     * among hateful ones and neutral among neutral. The AUC of a resample is a weighted sum of the
     * Mann–Whitney counts of each (hateful file, neutral file) pair, computed once.
     */
    static double[] fileBootstrapAucInterval(double[] scores, boolean[] gold, Map<String, List<Integer>> byFile,
            int rounds, long seed) {
        List<double[]> hate = new ArrayList<>();
        List<double[]> neutral = new ArrayList<>();
        for (List<Integer> idx : byFile.values()) {
            double[] s = idx.stream().mapToDouble(i -> scores[i]).sorted().toArray();
            (gold[idx.get(0)] ? hate : neutral).add(s);
        }
        double[][] wins = new double[hate.size()][neutral.size()];
        for (int h = 0; h < hate.size(); h++) {
            for (int n = 0; n < neutral.size(); n++) {
                wins[h][n] = mannWhitney(hate.get(h), neutral.get(n));
            }
        }
        Random rnd = new Random(seed);
        double[] aucs = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            int[] ch = new int[hate.size()];
            int[] cn = new int[neutral.size()];
            for (int k = 0; k < ch.length; k++) {
                ch[rnd.nextInt(ch.length)]++;
            }
            for (int k = 0; k < cn.length; k++) {
                cn[rnd.nextInt(cn.length)]++;
            }
            double num = 0;
            double den = 0;
            for (int h = 0; h < ch.length; h++) {
                for (int n = 0; n < cn.length; n++) {
                    double w = (double) ch[h] * cn[n];
                    num += w * wins[h][n];
                    den += w * hate.get(h).length * (double) neutral.get(n).length;
                }
            }
            aucs[r] = num / den;
        }
        Arrays.sort(aucs);
        return new double[] {aucs[(int) Math.floor(0.025 * (rounds - 1))], aucs[(int) Math.ceil(0.975 * (rounds - 1))]};
    }

    /** Pairs (a, b) with a > b, ties counting one half; both arrays sorted ascending. */
    static double mannWhitney(double[] a, double[] b) {
        double wins = 0;
        int lo = 0;
        int hi = 0;
        for (double x : a) {
            while (lo < b.length && b[lo] < x) {
                lo++;
            }
            while (hi < b.length && b[hi] <= x) {
                hi++;
            }
            wins += lo + 0.5 * (hi - lo);
        }
        return wins;
    }

    private static void printPerGroup(List<String> groups, double[] scores, boolean[] gold) {
        Map<String, List<Integer>> byGroup = new TreeMap<>();
        for (int i = 0; i < groups.size(); i++) {
            byGroup.computeIfAbsent(groups.get(i), g -> new ArrayList<>()).add(i);
        }
        Map<String, String> line = new LinkedHashMap<>();
        for (Map.Entry<String, List<Integer>> e : byGroup.entrySet()) {
            List<Integer> idx = e.getValue();
            double[] s = idx.stream().mapToDouble(i -> scores[i]).toArray();
            boolean[] g = new boolean[idx.size()];
            int pos = 0;
            for (int k = 0; k < idx.size(); k++) {
                g[k] = gold[idx.get(k)];
                pos += g[k] ? 1 : 0;
            }
            line.put(e.getKey(), pos == 0 || pos == idx.size() ? "n/a (one label)"
                    : String.format(Locale.ROOT, "%.3f", RocAuc.auc(s, g)));
        }
        System.out.println("  AUC per target group: " + line);
    }

    private static List<String> labels(boolean[] gold) {
        List<String> l = new ArrayList<>();
        for (boolean g : gold) {
            l.add(g ? "toxic" : "benign");
        }
        return l;
    }

    private static List<String> labels(double[] scores, double threshold) {
        List<String> l = new ArrayList<>();
        for (double s : scores) {
            l.add(s >= threshold ? "toxic" : "benign");
        }
        return l;
    }

    private static int count(boolean[] b) {
        int n = 0;
        for (boolean x : b) {
            n += x ? 1 : 0;
        }
        return n;
    }
}
