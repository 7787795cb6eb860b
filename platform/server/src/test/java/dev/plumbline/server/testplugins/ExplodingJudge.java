package dev.plumbline.server.testplugins;

import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Verdict;
import java.util.List;

/** Test-scope judge that fails like a broken backend, to show failures are never scores. */
public final class ExplodingJudge implements Judge {

    @Override
    public String id() {
        return "test-exploding";
    }

    @Override
    public String description() {
        return "Always throws (test plugin).";
    }

    @Override
    public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
        throw new IllegalStateException("backend unreachable");
    }
}
