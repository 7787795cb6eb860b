package dev.plumbline.plugin.judge.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Parameters;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A throughput check of the harmlessness rubric on 1 KB responses, single thread. The rate is
 * measured on the thread's CPU time (responses/s per core), which concurrent builds on a shared
 * machine disturb far less than wall time. The target is 20,000/s per core; the floor of 15,000/s
 * sits below what the shared build machine gives under load (about 40,000/s) and above the
 * one-pass-per-proposition design this replaced (9,000–11,500/s). bench/run-judge-bench.sh is the
 * real benchmark (docs/BENCHMARKS.md).
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
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int rounds = 10;
        long start = System.nanoTime();
        long cpuStart = threads.getCurrentThreadCpuTime();
        for (int r = 0; r < rounds; r++) {
            judge.score(samples, p);
        }
        double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        double wallSeconds = (System.nanoTime() - start) / 1e9;
        double perCpuSecond = rounds * samples.size() / cpuSeconds;
        System.out.printf(Locale.ROOT, "rules/harmlessness throughput (1 KB, 1 thread): %.0f responses per CPU second,"
                + " %.0f per wall second%n", perCpuSecond, rounds * samples.size() / wallSeconds);
        assertThat(perCpuSecond).isGreaterThan(15_000);
    }
}
