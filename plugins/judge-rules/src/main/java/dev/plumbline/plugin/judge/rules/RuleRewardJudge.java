package dev.plumbline.plugin.judge.rules;

import dev.plumbline.spi.InvalidInputException;
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
import java.util.Map;

/**
 * {@code rules}: a rule-based reward model in the style of GPT-4's RBRM and OpenAI's rule-based
 * rewards. A rubric of propositions (regex, keywords, refusal detector, length and format checks,
 * combinations) feeds per-category class rules; the class's score is the reward.
 *
 * <p>Values: {@code score} (the class score, 0–1) and one 0/1 value per proposition. The
 * explanation names the category, the class and every proposition that fired with what matched.
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
                    "Also report each proposition as a 0/1 value next to score"));

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
    public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
        TextChecks.checkSamples(samples);
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
                String field = fromParameter ? "parameters.category" : "samples[" + i + "].category";
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
                        "samples[" + i + "].response is empty: nothing to judge", provenance));
                continue;
            }
            try {
                Rubric.Result r = rubric.evaluate(response, refusalDetector, categories[i]);
                out.add(Verdict.valid(s.id(), values(r, propositionValues), explain(r), provenance));
            } catch (BudgetedText.BudgetExceededException e) {
                out.add(Verdict.failed(s.id(), VerdictStatus.ERROR, "samples[" + i + "]: a pattern of rubric '"
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
