package dev.plumbline.engine.judge;

import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.ComparisonPair;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.PairwiseVerdict;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.TextChecks;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A judge with its parameters resolved, as every caller (JudgeService, evaluation, online
 * training) uses it: inputs are validated with field paths, and a judge that throws or answers
 * out of shape yields ERROR verdicts — a failure is recorded, never turned into a score.
 */
public final class GuardedJudge {

    private final Judge judge;
    private final Parameters parameters;
    private final Provenance fallbackProvenance;

    private GuardedJudge(Judge judge, Parameters parameters) {
        this.judge = judge;
        this.parameters = parameters;
        this.fallbackProvenance = new Provenance(judge.id(), judge.version(), "", "");
    }

    /**
     * @throws InvalidInputException for an unknown judge ({@code judge}) or bad parameters
     *     ({@code <parameterField>.<name>})
     */
    public static GuardedJudge of(PluginRegistry registry, String judgeId, Map<String, ?> parameters,
            String parameterField) {
        Judge judge = registry.judge(judgeId);
        return new GuardedJudge(judge, Parameters.resolve(judge.parameters(), parameters, parameterField));
    }

    public Judge judge() {
        return judge;
    }

    /**
     * Checks one sample with the shared rules ({@link TextChecks}: size limit, and lone surrogates
     * rejected here at the edge); {@code field} is its path, e.g. {@code samples[3]}.
     */
    public void validate(JudgeSample s, String field) {
        TextChecks.checkText(s.prompt(), field + ".prompt");
        TextChecks.checkText(s.response(), field + ".response");
        TextChecks.checkText(s.reference(), field + ".reference");
    }

    public void validate(ComparisonPair p, String field) {
        TextChecks.checkText(p.prompt(), field + ".prompt");
        TextChecks.checkText(p.responseA(), field + ".response_a");
        TextChecks.checkText(p.responseB(), field + ".response_b");
        TextChecks.checkText(p.reference(), field + ".reference");
    }

    /** One verdict per sample, in order. Validates every sample first (all or nothing). */
    public List<Verdict> score(List<JudgeSample> samples, String field) {
        if (!judge.pointwise()) {
            throw new InvalidInputException("judge", "judge '" + judge.id() + "' compares pairs; use Compare");
        }
        for (int i = 0; i < samples.size(); i++) {
            validate(samples.get(i), field + "[" + i + "]");
        }
        if (samples.isEmpty()) {
            return List.of();
        }
        try {
            List<Verdict> verdicts = judge.score(samples, parameters);
            if (verdicts == null || verdicts.size() != samples.size()) {
                return failAll(samples, "judge '" + judge.id() + "' returned "
                        + (verdicts == null ? "nothing" : verdicts.size() + " verdicts") + " for " + samples.size() + " samples");
            }
            List<Verdict> out = new ArrayList<>(verdicts.size());
            for (int i = 0; i < verdicts.size(); i++) {
                Verdict v = verdicts.get(i);
                out.add(v == null ? Verdict.failed(samples.get(i).id(), VerdictStatus.ERROR,
                        "judge returned no verdict", fallbackProvenance) : v);
            }
            return out;
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            return failAll(samples, "judge '" + judge.id() + "' failed: " + e);
        }
    }

    /** One verdict per pair, in order. */
    public List<PairwiseVerdict> compare(List<ComparisonPair> pairs, String field) {
        if (!judge.pairwise()) {
            throw new InvalidInputException("judge", "judge '" + judge.id() + "' scores single responses; use Score");
        }
        for (int i = 0; i < pairs.size(); i++) {
            validate(pairs.get(i), field + "[" + i + "]");
        }
        if (pairs.isEmpty()) {
            return List.of();
        }
        try {
            List<PairwiseVerdict> verdicts = judge.compare(pairs, parameters);
            if (verdicts == null || verdicts.size() != pairs.size()) {
                String why = "judge '" + judge.id() + "' returned a wrong number of verdicts";
                return pairs.stream().map(p -> PairwiseVerdict.failed(p.id(), VerdictStatus.ERROR, why, fallbackProvenance))
                        .toList();
            }
            return verdicts;
        } catch (InvalidInputException e) {
            throw e;
        } catch (RuntimeException e) {
            String why = "judge '" + judge.id() + "' failed: " + e;
            return pairs.stream().map(p -> PairwiseVerdict.failed(p.id(), VerdictStatus.ERROR, why, fallbackProvenance))
                    .toList();
        }
    }

    private List<Verdict> failAll(List<JudgeSample> samples, String why) {
        return samples.stream().map(s -> Verdict.failed(s.id(), VerdictStatus.ERROR, why, fallbackProvenance)).toList();
    }
}
