package dev.plumbline.plugin.judge.toxicity;

import ai.onnxruntime.OrtException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.TextChecks;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code toxicity}: a trained classifier (hashed word and character n-grams → logistic regression,
 * trained on the project's own corpus in evals/toxicity, run with ONNX Runtime) plus an
 * obfuscation-robust lexicon. ToxiGen is only used to evaluate it (docs/JUDGES.md).
 *
 * <p>Values: {@code toxicity} (classifier probability, 0–1), {@code lexicon_severity} (highest
 * severity of a matched term, 0 = none … 3 = severe) and {@code lexicon_matches} (distinct terms).
 * The explanation lists the matched terms as written and as read.
 */
public final class ToxicityJudge implements Judge {

    public static final String ID = "toxicity";
    /** 2: the classifier is trained on the project's own corpus instead of ToxiGen, so scores changed. */
    static final String VERSION = "2";

    private static final List<ParameterSpec> PARAMETERS = List.of(ParameterSpec.string("lexicon",
            LexiconRepository.DEFAULT_NAME, "'default' (the project's lexicon) or a path to a lexicon file: one term "
                    + "per line, optional TAB and severity 1-3 (e.g. ../shared/datasets/ldnoobw/en.txt)"));

    private final LexiconRepository lexicons = new LexiconRepository();
    private volatile ToxicityClassifier classifier;
    private volatile String classifierError;

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "Toxicity: hashed n-gram logistic regression (ONNX, trained on the project's own corpus) plus an"
                + " obfuscation-robust lexicon";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    @Override
    public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
        TextChecks.checkSamples(samples);
        ToxicityLexicon lexicon = lexicons.resolve(parameters.string("lexicon"), "parameters.lexicon");
        ToxicityClassifier model = classifier();
        Provenance provenance = new Provenance(ID, VERSION, lexicon.sha256(),
                model == null ? "toxicity-hashed-lr (unavailable)" : "toxicity-hashed-lr@sha256:" + model.sha256());

        List<String> texts = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        Verdict[] out = new Verdict[samples.size()];
        for (int i = 0; i < samples.size(); i++) {
            String response = TextChecks.wellFormed(samples.get(i).response());
            if (response.isBlank()) {
                out[i] = Verdict.failed(samples.get(i).id(), VerdictStatus.ERROR,
                        "samples[" + i + "].response is empty: nothing to judge", provenance);
            } else {
                texts.add(response);
                positions.add(i);
            }
        }
        double[] probabilities = null;
        String failure = model == null ? "toxicity model could not be loaded: " + classifierError : null;
        if (model != null && !texts.isEmpty()) {
            try {
                probabilities = model.predict(texts);
            } catch (OrtException | RuntimeException e) {
                failure = "ONNX Runtime failed: " + e.getMessage();
            }
        }
        for (int k = 0; k < texts.size(); k++) {
            int i = positions.get(k);
            String id = samples.get(i).id();
            if (probabilities == null) {
                out[i] = Verdict.failed(id, VerdictStatus.ERROR, failure, provenance);
                continue;
            }
            List<ToxicityLexicon.Match> matches = lexicon.find(texts.get(k));
            int severity = matches.isEmpty() ? 0 : matches.get(0).severity();
            out[i] = Verdict.valid(id, Map.of("toxicity", probabilities[k], "lexicon_severity", (double) severity,
                    "lexicon_matches", (double) matches.size()), explain(probabilities[k], matches), provenance);
        }
        return List.of(out);
    }

    static String explain(double p, List<ToxicityLexicon.Match> matches) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "classifier p=%.3f; lexicon: ", p));
        if (matches.isEmpty()) {
            return sb.append("no terms").toString();
        }
        for (int i = 0; i < matches.size() && i < 10; i++) {
            ToxicityLexicon.Match m = matches.get(i);
            sb.append(i == 0 ? "" : ", ").append('"').append(abbreviate(m.found())).append('"');
            if (!m.found().equals(m.term())) {
                sb.append(" as \"").append(m.term()).append('"');
            }
            sb.append(" (severity ").append(m.severity()).append(')');
        }
        if (matches.size() > 10) {
            sb.append(", and ").append(matches.size() - 10).append(" more");
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /** Loaded once on first use; a load failure is remembered and reported in every verdict. */
    private ToxicityClassifier classifier() {
        ToxicityClassifier c = classifier;
        if (c != null || classifierError != null) {
            return c;
        }
        synchronized (this) {
            if (classifier == null && classifierError == null) {
                try {
                    classifier = ToxicityClassifier.loadDefault();
                } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                    classifierError = e.toString();
                }
            }
            return classifier;
        }
    }
}
