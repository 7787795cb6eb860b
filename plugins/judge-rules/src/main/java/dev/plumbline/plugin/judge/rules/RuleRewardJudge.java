package dev.plumbline.plugin.judge.rules;

import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
        SampleChecks.validate(samples);
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
            String response = SampleChecks.wellFormed(s.response());
            if (response.isBlank()) {
                out.add(Verdict.failed(s.id(), VerdictStatus.ERROR,
                        "samples[" + i + "].response is empty: nothing to judge", provenance));
                continue;
            }
            try {
                Rubric.Result r = rubric.evaluate(new TextView(response, refusalDetector), categories[i]);
                out.add(Verdict.valid(s.id(), values(r, propositionValues), explain(r), provenance));
            } catch (BudgetedText.BudgetExceededException e) {
                out.add(Verdict.failed(s.id(), VerdictStatus.ERROR, "samples[" + i + "]: a pattern of rubric '"
                        + rubric.id() + "' exceeded its matching budget (catastrophic backtracking?)", provenance));
            }
        }
        return out;
    }

    private static Map<String, Double> values(Rubric.Result r, boolean propositionValues) {
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("score", r.score());
        if (propositionValues) {
            r.propositions().forEach((name, value) -> v.put(name, value ? 1.0 : 0.0));
        }
        return v;
    }

    static String explain(Rubric.Result r) {
        StringBuilder sb = new StringBuilder()
                .append("category=").append(r.category())
                .append(" class=").append(r.className())
                .append(" score=").append(String.format(Locale.ROOT, "%.3f", r.score()))
                .append("; fired: ");
        boolean any = false;
        for (Map.Entry<String, Boolean> e : r.propositions().entrySet()) {
            if (!e.getValue()) {
                continue;
            }
            if (any) {
                sb.append(", ");
            }
            any = true;
            sb.append(e.getKey());
            String ev = r.evidence().get(e.getKey());
            if (ev != null) {
                String shown = ev.replaceAll("\\s+", " ").strip();
                sb.append(" \"").append(shown.length() > 60 ? shown.substring(0, 57) + "..." : shown).append('"');
            }
        }
        if (!any) {
            sb.append("none");
        }
        return sb.toString();
    }
}
