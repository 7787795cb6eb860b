package dev.plumbline.engine.judge;

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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * [ensemble]: weighted combination of other judges per dimension. Each output dimension is a
 * weighted mean of member dimensions, e.g.
 * {@code safety = 0.7*rules.harmlessness + 0.3*(1-toxicity.toxicity)}. It lives in the engine
 * because it calls other plugins through the registry.
 */
public final class EnsembleJudge implements Judge {

    private static final Pattern TERM = Pattern.compile(
            "\\s*([0-9]*\\.?[0-9]+)\\s*\\*\\s*(\\(\\s*1\\s*-\\s*)?([a-z0-9]+(?:-[a-z0-9]+)*)\\.([A-Za-z0-9_/-]+)\\s*(\\))?\\s*");

    record Term(double weight, boolean inverted, String judge, String dimension) {}

    record Dimension(String name, List<Term> terms) {}

    private final Function<String, Judge> judges;

    public EnsembleJudge(Function<String, Judge> judges) {
        this.judges = judges;
    }

    @Override
    public String id() {
        return "ensemble";
    }

    @Override
    public String description() {
        return "Weighted combination of other judges per dimension; a member failure fails the verdict unless skipped.";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.string("dimensions", null, "Semicolon-separated definitions 'name = w*judge.dim + "
                        + "w*(1-judge.dim) ...'; weights > 0; each dimension is the weighted mean of its terms."),
                ParameterSpec.choice("on_member_failure", "fail", List.of("fail", "skip"),
                        "fail: any failed member verdict fails the ensemble verdict; skip: renormalise over the "
                                + "members that answered (fails only when none did)."));
    }

    static List<Dimension> parse(String spec) {
        List<Dimension> out = new ArrayList<>();
        for (String def : spec.split(";")) {
            if (def.isBlank()) {
                continue;
            }
            int eq = def.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("parameters.dimensions", "expected 'name = terms' in: " + def.trim());
            }
            String name = def.substring(0, eq).trim();
            List<Term> terms = new ArrayList<>();
            for (String t : def.substring(eq + 1).split("\\+")) {
                Matcher m = TERM.matcher(t);
                if (!m.matches() || (m.group(2) == null) != (m.group(5) == null)) {
                    throw new InvalidInputException("parameters.dimensions",
                            "cannot read term '" + t.trim() + "'; expected w*judge.dim or w*(1-judge.dim)");
                }
                double w = Double.parseDouble(m.group(1));
                if (!(w > 0)) {
                    throw new InvalidInputException("parameters.dimensions", "weights must be > 0 in '" + t.trim() + "'");
                }
                terms.add(new Term(w, m.group(2) != null, m.group(3), m.group(4)));
            }
            out.add(new Dimension(name, terms));
        }
        if (out.isEmpty()) {
            throw new InvalidInputException("parameters.dimensions", "defines no dimension");
        }
        return out;
    }

    @Override
    public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
        List<Dimension> dims = parse(parameters.string("dimensions"));
        boolean skip = parameters.string("on_member_failure").equals("skip");
        Set<String> memberIds = new LinkedHashSet<>();
        dims.forEach(d -> d.terms().forEach(t -> memberIds.add(t.judge())));
        Map<String, List<Verdict>> byMember = new LinkedHashMap<>();
        for (String id : memberIds) {
            if (id.equals(id())) {
                throw new InvalidInputException("parameters.dimensions", "an ensemble cannot contain itself");
            }
            Judge member;
            try {
                member = judges.apply(id);
            } catch (InvalidInputException e) {
                throw new InvalidInputException("parameters.dimensions", e.getMessage());
            }
            byMember.put(id, new GuardedJudgeCall(member).score(samples));
        }
        Provenance provenance = new Provenance(id(), version(),
                dev.plumbline.engine.util.Hashes.sha256(parameters.string("dimensions")), String.join("+", memberIds));
        List<Verdict> out = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            out.add(combine(samples.get(i).id(), i, dims, byMember, skip, provenance));
        }
        return out;
    }

    private static Verdict combine(String sampleId, int i, List<Dimension> dims, Map<String, List<Verdict>> byMember,
            boolean skip, Provenance provenance) {
        Map<String, Double> values = new LinkedHashMap<>();
        StringBuilder explanation = new StringBuilder();
        for (Dimension d : dims) {
            double sum = 0;
            double weights = 0;
            for (Term t : d.terms()) {
                Verdict v = byMember.get(t.judge()).get(i);
                Double x = v.isValid() ? v.values().get(t.dimension()) : null;
                if (x == null) {
                    String why = v.isValid() ? "gave no '" + t.dimension() + "'" : v.status() + ": " + v.error();
                    if (!skip) {
                        return Verdict.failed(sampleId, VerdictStatus.ERROR, "member " + t.judge() + " " + why, provenance);
                    }
                    explanation.append("skipped ").append(t.judge()).append(" (").append(why).append("); ");
                    continue;
                }
                sum += t.weight() * (t.inverted() ? 1 - x : x);
                weights += t.weight();
            }
            if (weights == 0) {
                return Verdict.failed(sampleId, VerdictStatus.ERROR, "no member answered for '" + d.name() + "'", provenance);
            }
            values.put(d.name(), sum / weights);
        }
        for (Map.Entry<String, List<Verdict>> e : byMember.entrySet()) {
            Verdict v = e.getValue().get(i);
            explanation.append(e.getKey()).append(": ").append(v.isValid() ? v.values() : v.status()).append("; ");
        }
        return Verdict.valid(sampleId, values, explanation.toString().trim(), provenance);
    }

    /** Calls a member with its default parameters; its failures become failed verdicts. */
    private record GuardedJudgeCall(Judge judge) {
        List<Verdict> score(List<JudgeSample> samples) {
            try {
                List<Verdict> v = judge.score(samples, Parameters.defaults(judge.parameters()));
                if (v != null && v.size() == samples.size()) {
                    return v;
                }
            } catch (InvalidInputException e) {
                throw new InvalidInputException("parameters.dimensions", "member " + judge.id() + ": " + e.getMessage());
            } catch (RuntimeException e) {
                return samples.stream().map(s -> Verdict.failed(s.id(), VerdictStatus.ERROR, e.toString(), null)).toList();
            }
            return samples.stream().map(s -> Verdict.failed(s.id(), VerdictStatus.ERROR, "wrong verdict count", null)).toList();
        }
    }
}
