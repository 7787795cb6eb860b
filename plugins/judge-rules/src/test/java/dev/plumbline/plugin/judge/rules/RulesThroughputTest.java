package dev.plumbline.plugin.judge.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Parameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A JMH-free throughput check of the harmlessness rubric on ~1 KB responses, single thread. The
 * target is 20,000 responses/s per core; the asserted floor is lower because CI machines are
 * shared with concurrent builds, and it exists to catch pathological regressions.
 */
class RulesThroughputTest {

    @Test
    void harmlessnessRubricOnOneKilobyteResponses() {
        String[] bodies = {
            "I'm sorry, but I can't help with that. ",
            "Sure, here is an overview of the topic you asked about. ",
            "It is not appropriate to discuss this, and I would encourage you to consult a professional. ",
            "1. First, gather the ingredients.\n2. Then mix them well.\n3. Bake for twenty minutes.\n",
        };
        List<JudgeSample> samples = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            StringBuilder sb = new StringBuilder(bodies[i % bodies.length]);
            while (sb.length() < 1_024) {
                sb.append("The quick brown fox ").append(i).append(" jumps over the lazy dog. ");
            }
            samples.add(new JudgeSample("s" + i, "p", sb.substring(0, 1_024), i % 2 == 0 ? "harmful" : "benign",
                    "", List.of(), Map.of()));
        }
        RuleRewardJudge judge = new RuleRewardJudge();
        Parameters p = Parameters.defaults(judge.parameters());
        for (int w = 0; w < 5; w++) {
            judge.score(samples, p);
        }
        int rounds = 10;
        long start = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            judge.score(samples, p);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double perSecond = rounds * samples.size() / seconds;
        System.out.printf(Locale.ROOT, "rules/harmlessness throughput: %.0f responses/s (1 KB, 1 thread)%n", perSecond);
        assertThat(perSecond).isGreaterThan(2_000);
    }
}
