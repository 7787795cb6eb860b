package dev.plumbline.server.testplugins;

import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.Verdict;
import java.util.List;
import java.util.Map;

/** Test-scope judge: 1.0 when the response contains the keyword. Registered only in test resources. */
public final class KeywordJudge implements Judge {

    @Override
    public String id() {
        return "test-keyword";
    }

    @Override
    public String description() {
        return "Scores 1 when the response contains a keyword (test plugin).";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(ParameterSpec.string("keyword", "please", "Keyword to look for."),
                ParameterSpec.number("weight", 1.0, 0.0, 10.0, "Score when found."));
    }

    @Override
    public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
        Provenance p = new Provenance(id(), version(), "", "");
        return samples.stream().map(s -> Verdict.valid(s.id(),
                Map.of("score", s.response().contains(parameters.string("keyword")) ? parameters.number("weight") : 0.0),
                "", p)).toList();
    }
}
