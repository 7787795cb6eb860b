package dev.plumbline.plugin.judge.rules;

import dev.plumbline.spi.ComparisonPair;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.PairwiseVerdict;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Preference;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.TextChecks;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * {@code rules}: a rule-based reward model in the style of GPT-4's RBRM and OpenAI's rule-based
 * rewards. A rubric of propositions (regex, keywords, refusal detector, length and format checks,
 * combinations) feeds per-category class rules; the class's score is the reward.
 *
 * <p>Values: {@code score} (the class score, 0–1) and one 0/1 value per proposition. The
 * explanation names the category, the class and every proposition that fired with what matched.
 *
 * <p>Also pairwise: {@link #compare} scores both responses with the rubric (in the pair's category)
 * and prefers the higher score; {@code probabilityA = sigmoid((scoreA - scoreB) / pairwise_temperature)}.
 * Scoring is independent of presentation order, so every verdict is position-consistent; when either
 * response cannot be scored the pair's verdict fails (no preference, no probability).
 */
public final class RuleRewardJudge implements Judge {

    public static final String ID = "rules";
    static final String VERSION = "1";

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.string("rubric", "harmlessness",
                    "Built-in rubric name (" + String.join(", ", RubricRepository.BUILT_IN)
                            + ") or a path to a rubric .yaml file"),
            ParameterSpec.string("category", "",
                    "Category for every sample, overriding each sample's own (e.g. harmful, benign); empty = per sample"),
            ParameterSpec.bool("proposition_values", true,
                    "Also report each proposition as a 0/1 value next to score"),
            ParameterSpec.number("pairwise_temperature", 0.1, 0.001, 100.0,
                    "Pairwise comparisons: probability_a = sigmoid((score_a - score_b) / pairwise_temperature); "
                            + "smaller is sharper (0.1 turns a score gap of 0.5 into 0.993)"));

    private final RubricRepository rubrics = new RubricRepository();
    private final RefusalDetector refusalDetector = new RefusalDetector();

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
        return "Rule-based reward model: rubric propositions (regex, keywords, refusal, length, format) and class rules";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    @Override
    public boolean pairwise() {
        return true;
    }

    @Override
    public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
        TextChecks.checkSamples(samples);
        return judge(samples, parameters, i -> "samples[" + i + "]", i -> "samples[" + i + "].response",
                i -> "samples[" + i + "]");
    }

    /**
     * Scores both responses of every pair with the rubric and prefers the higher score. Values:
     * {@code score_a}, {@code score_b}, {@code probability_a}. A pair whose responses score alike is
     * a {@link Preference#TIE} with probability 0.5.
     */
    @Override
    public List<PairwiseVerdict> compare(List<ComparisonPair> pairs, Parameters parameters) {
        if (pairs == null) {
            throw new InvalidInputException("pairs", "is missing");
        }
        List<JudgeSample> samples = new ArrayList<>(2 * pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            ComparisonPair p = pairs.get(i);
            String field = "pairs[" + i + "]";
            if (p == null) {
                throw new InvalidInputException(field, "is missing");
            }
            for (String side : new String[] {"a", "b"}) {
                String response = side.equals("a") ? p.responseA() : p.responseB();
                if (response == null) {
                    throw new InvalidInputException(field + ".response_" + side, "is missing");
                }
                TextChecks.checkLength(response, field + ".response_" + side);
            }
            TextChecks.checkLength(p.prompt(), field + ".prompt");
            TextChecks.checkLength(p.reference(), field + ".reference");
            samples.add(new JudgeSample(p.id() + "/a", p.prompt(), p.responseA(), p.category(), p.reference(),
                    p.history(), Map.of()));
            samples.add(new JudgeSample(p.id() + "/b", p.prompt(), p.responseB(), p.category(), p.reference(),
                    p.history(), Map.of()));
        }
        IntFunction<String> response = k -> "pairs[" + k / 2 + "].response_" + (k % 2 == 0 ? "a" : "b");
        List<Verdict> verdicts = judge(samples, parameters, k -> "pairs[" + k / 2 + "]", response, response);
        double temperature = parameters.number("pairwise_temperature");
        List<PairwiseVerdict> out = new ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            out.add(pairVerdict(pairs.get(i).id(), verdicts.get(2 * i), verdicts.get(2 * i + 1), temperature));
        }
        return out;
    }

    static PairwiseVerdict pairVerdict(String pairId, Verdict a, Verdict b, double temperature) {
        for (Verdict v : new Verdict[] {a, b}) {
            if (!v.isValid()) {
                return PairwiseVerdict.failed(pairId, v.status(), v.error(), v.provenance());
            }
        }
        double scoreA = a.values().get("score");
        double scoreB = b.values().get("score");
        double probabilityA = 1.0 / (1.0 + Math.exp(-(scoreA - scoreB) / temperature));
        Preference preference = scoreA > scoreB ? Preference.A : scoreA < scoreB ? Preference.B : Preference.TIE;
        return new PairwiseVerdict(pairId, VerdictStatus.VALID, preference, probabilityA, true,
                Map.of("score_a", scoreA, "score_b", scoreB, "probability_a", probabilityA),
                "A: " + a.explanation() + "\nB: " + b.explanation(), a.provenance(), "");
    }

    /**
     * @param sampleField path of sample {@code i} in the request, for category errors ({@code <path>.category})
     * @param responseField path of sample {@code i}'s response, named when it is empty
     * @param budgetField what a verdict that exceeded the regex budget names
     */
    private List<Verdict> judge(List<JudgeSample> samples, Parameters parameters, IntFunction<String> sampleField,
            IntFunction<String> responseField, IntFunction<String> budgetField) {
        Rubric rubric = rubrics.resolve(parameters.string("rubric"), "parameters.rubric");
        String override = parameters.string("category");
        boolean propositionValues = parameters.bool("proposition_values");

        // Categories are checked for the whole batch first: a wrong one is the client's mistake.
        String[] categories = new String[samples.size()];
        for (int i = 0; i < samples.size(); i++) {
            boolean fromParameter = !override.isBlank();
            String given = fromParameter ? override : samples.get(i).category();
            String resolved = rubric.resolveCategory(given);
            if (resolved == null) {
                String field = fromParameter ? "parameters.category" : sampleField.apply(i) + ".category";
                throw new InvalidInputException(field, (Rubric.normalize(given).isEmpty()
                        ? "is empty and rubric '" + rubric.id() + "' has no default_category"
                        : "unknown category '" + given + "' for rubric '" + rubric.id() + "'")
                        + "; known: " + String.join(", ", rubric.knownCategories()));
            }
            categories[i] = resolved;
        }

        Provenance provenance = new Provenance(ID, VERSION + "+" + rubric.id() + "@" + rubric.version(),
                rubric.sha256(), "");
        List<Verdict> out = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            JudgeSample s = samples.get(i);
            String response = TextChecks.wellFormed(s.response());
            if (response.isBlank()) {
                out.add(Verdict.failed(s.id(), VerdictStatus.ERROR,
                        responseField.apply(i) + " is empty: nothing to judge", provenance));
                continue;
            }
            try {
                Rubric.Result r = rubric.evaluate(response, refusalDetector, categories[i]);
                out.add(Verdict.valid(s.id(), values(r, propositionValues), explain(r), provenance));
            } catch (BudgetedText.BudgetExceededException e) {
                out.add(Verdict.failed(s.id(), VerdictStatus.ERROR, budgetField.apply(i) + ": a pattern of rubric '"
                        + rubric.id() + "' exceeded its matching budget (catastrophic backtracking?)", provenance));
            }
        }
        return out;
    }

    private static final Double ONE = 1.0;
    private static final Double ZERO = 0.0;

    /** Built as an immutable map directly: Verdict keeps it without copying. */
    @SuppressWarnings("unchecked")
    private static Map<String, Double> values(Rubric.Result r, boolean propositionValues) {
        int n = propositionValues ? r.names().size() : 0;
        Map.Entry<String, Double>[] entries = new Map.Entry[n + 1];
        entries[0] = Map.entry("score", r.score());
        for (int i = 0; i < n; i++) {
            entries[i + 1] = Map.entry(r.names().get(i), r.values()[i] ? ONE : ZERO);
        }
        return Map.ofEntries(entries);
    }

    static String explain(Rubric.Result r) {
        StringBuilder sb = new StringBuilder(160)
                .append("category=").append(r.category())
                .append(" class=").append(r.className())
                .append(" score=").append(r.reached().scoreText())
                .append("; fired: ");
        boolean any = false;
        for (int i = 0; i < r.values().length; i++) {
            if (!r.values()[i]) {
                continue;
            }
            if (any) {
                sb.append(", ");
            }
            any = true;
            sb.append(r.names().get(i));
            String ev = r.evidence()[i];
            if (ev != null) {
                String shown = collapseWhitespace(ev);
                sb.append(" \"").append(shown.length() > 60 ? shown.substring(0, 57) + "..." : shown).append('"');
            }
        }
        if (!any) {
            sb.append("none");
        }
        return sb.toString();
    }

    /** {@code s.replaceAll("\\s+", " ").strip()} without compiling a regex per call. */
    static String collapseWhitespace(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean pendingSpace = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r') {
                pendingSpace = true;
            } else {
                if (pendingSpace && sb.length() > 0) {
                    sb.append(' ');
                }
                pendingSpace = false;
                sb.append(c);
            }
        }
        return sb.toString().strip();
    }
}
