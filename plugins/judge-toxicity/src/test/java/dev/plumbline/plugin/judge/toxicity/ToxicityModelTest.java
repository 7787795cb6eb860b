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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trains the toxicity model from ToxiGen statements in Java, checks that the committed ONNX file is
 * exactly what this code produces (so it can always be re-derived), and reports held-out metrics.
 *
 * <p>Regenerate the committed model after changing features or training:
 * {@code ./mvnw -B -q install -pl plugins/judge-toxicity -am -Dtest=ToxicityModelTest -Dsurefire.failIfNoSpecifiedTests=false -Dplumbline.toxicity.regenerate=true}
 */
class ToxicityModelTest {

    /** Groups left out entirely for the cross-group check (the shipped model is trained on all groups). */
    static final Set<String> HELD_OUT_GROUPS = Set.of("women", "jewish", "mental_disability", "latino");

    private static List<ToxigenStatements.Statement> train;
    private static List<ToxigenStatements.Statement> test;
    private static LogisticRegressionTrainer.Model model;

    @BeforeAll
    static void trainOnTheTrainingSplit() throws Exception {
        List<ToxigenStatements.Statement> all = ToxigenStatements.load();
        train = new ArrayList<>();
        test = new ArrayList<>();
        for (ToxigenStatements.Statement s : all) {
            (ToxigenStatements.isTest(s) ? test : train).add(s);
        }
        model = fit(train);
    }

    static LogisticRegressionTrainer.Model fit(List<ToxigenStatements.Statement> data) {
        List<HashedNgramFeatures.Sparse> xs = new ArrayList<>();
        boolean[] ys = new boolean[data.size()];
        for (int i = 0; i < data.size(); i++) {
            xs.add(HashedNgramFeatures.extract(data.get(i).text()));
            ys[i] = data.get(i).hateful();
        }
        return LogisticRegressionTrainer.train(xs, ys, HashedNgramFeatures.DIMENSION,
                LogisticRegressionTrainer.Settings.defaults());
    }

    static byte[] onnx(LogisticRegressionTrainer.Model m, int trainSize) {
        return OnnxGraphWriter.logisticRegression(m.weights(), m.bias(),
                "Toxicity logistic regression on hashed n-grams; trained by ToxicityModelTest on " + trainSize
                        + " ToxiGen statements (hate_* vs neutral_* files, hash split 4/5 train)",
                Map.of(ToxicityClassifier.SPEC_KEY, HashedNgramFeatures.SPEC, "training_data",
                        "microsoft/TOXIGEN@01517e814639e0334c920a3c502036c8158aac87 prompts+demonstrations (CDLA-Permissive-2.0)",
                        "trainer", LogisticRegressionTrainer.Settings.defaults().toString()));
    }

    @Test
    void committedModelIsExactlyWhatTrainingProduces() throws Exception {
        byte[] expected = onnx(model, train.size());
        if (Boolean.getBoolean("plumbline.toxicity.regenerate")) {
            Path out = Path.of(System.getProperty("plumbline.module.dir"), "src/main/resources", ToxicityClassifier.RESOURCE);
            Files.createDirectories(out.getParent());
            Files.write(out, expected);
            System.out.println("wrote " + out + " (" + expected.length + " bytes)");
        }
        if (!Boolean.getBoolean("plumbline.toxicity.regenerate")) {
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
    void heldOutStatementsMetrics() throws Exception {
        List<String> texts = new ArrayList<>();
        double[] javaScores = new double[test.size()];
        boolean[] gold = new boolean[test.size()];
        for (int i = 0; i < test.size(); i++) {
            texts.add(test.get(i).text());
            javaScores[i] = model.probability(HashedNgramFeatures.extract(test.get(i).text()));
            gold[i] = test.get(i).hateful();
        }
        double[] onnxScores;
        try (ToxicityClassifier c = ToxicityClassifier.fromBytes(onnx(model, train.size()))) {
            onnxScores = c.predict(texts);
        }
        for (int i = 0; i < test.size(); i++) {
            assertThat(onnxScores[i]).as("ONNX vs Java scoring, statement %d", i).isCloseTo(javaScores[i], within(1e-4));
        }
        RocAuc.Result auc = RocAuc.measure(onnxScores, gold, 0.95);
        AgreementReport acc = Agreement.measure(labels(gold), labels(onnxScores, 0.5));
        System.out.printf(Locale.ROOT, "ToxiGen statement-disjoint held-out split: train=%d test=%d (hateful %d)%n"
                        + "  AUC=%.4f %s  accuracy@0.5: %s%n%s",
                train.size(), test.size(), count(gold), auc.auc(), auc.interval(), acc.summary(), acc.matrix().toTable());
        assertThat(test.size()).isGreaterThan(150);
        // Floors are the measured values rounded down (training is deterministic; docs/JUDGES.md).
        assertThat(auc.auc()).isGreaterThanOrEqualTo(0.95);
        assertThat(acc.accuracy()).isGreaterThanOrEqualTo(0.85);
    }

    @Test
    void crossGroupGeneralisation() {
        List<ToxigenStatements.Statement> in = new ArrayList<>();
        List<ToxigenStatements.Statement> out = new ArrayList<>();
        for (ToxigenStatements.Statement s : train) {
            if (!HELD_OUT_GROUPS.contains(s.group())) {
                in.add(s);
            }
        }
        // Every statement of an unseen group is new to this model (statements are de-duplicated, so
        // each belongs to one group), whichever split it sits in.
        for (List<ToxigenStatements.Statement> split : List.of(train, test)) {
            for (ToxigenStatements.Statement s : split) {
                if (HELD_OUT_GROUPS.contains(s.group())) {
                    out.add(s);
                }
            }
        }
        LogisticRegressionTrainer.Model m = fit(in);
        double[] scores = new double[out.size()];
        boolean[] gold = new boolean[out.size()];
        for (int i = 0; i < out.size(); i++) {
            scores[i] = m.probability(HashedNgramFeatures.extract(out.get(i).text()));
            gold[i] = out.get(i).hateful();
        }
        RocAuc.Result auc = RocAuc.measure(scores, gold, 0.95);
        AgreementReport acc = Agreement.measure(labels(gold), labels(scores, 0.5));
        System.out.printf(Locale.ROOT, "ToxiGen unseen target groups %s: train=%d test=%d  AUC=%.4f %s  accuracy@0.5: %s%n",
                HELD_OUT_GROUPS, in.size(), out.size(), auc.auc(), auc.interval(), acc.summary());
        assertThat(auc.auc()).isGreaterThanOrEqualTo(0.70);
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
