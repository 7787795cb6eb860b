package dev.plumbline.bench;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Verdict;
import java.io.IOException;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Single-threaded, in-process throughput of the judges on responses of exactly 1,024 characters:
 * {@code Judge.score} on batches of {@value #BATCH} samples, as an evaluation or a reward loop calls it.
 *
 * <pre>java -cp ... dev.plumbline.bench.JudgeBench [--datasets DIR] [--warmup-seconds 5] [--seconds 3] [--rounds 5] [--only NAME]</pre>
 *
 * Two response sets: {@code synthetic} (the four bodies of RulesThroughputTest padded with filler
 * sentences) and {@code xstest} (the 1,800 human-labelled XSTest completions, each extended with the
 * next ones and cut to 1,024 characters, so real refusals and answers of every style). Each case is
 * warmed up, then timed in {@code rounds} rounds of about {@code seconds} each; the report gives the
 * median and best round in responses per second of wall-clock time and of the thread's CPU time
 * (responses/s per core), and the median CPU µs per response.
 */
public final class JudgeBench {

    static final int RESPONSE_CHARS = 1_024;
    static final int BATCH = 100;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private record Case(String name, String judge, Map<String, Object> parameters, String responses) {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = options(args);
        Path datasets = Path.of(opts.getOrDefault("datasets", "../shared/datasets"));
        double warmupSeconds = Double.parseDouble(opts.getOrDefault("warmup-seconds", "5"));
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "3"));
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "5"));
        String only = opts.get("only");

        Map<String, List<JudgeSample>> sets = new LinkedHashMap<>();
        sets.put("synthetic", synthetic());
        Path xstest = datasets.resolve("xstest/completions");
        if (Files.isDirectory(xstest)) {
            sets.put("xstest", xstest(xstest));
        } else {
            System.err.println("note: " + xstest + " not found; only the synthetic set is run");
        }

        List<Case> cases = new ArrayList<>();
        for (String set : sets.keySet()) {
            cases.add(new Case("rules/harmlessness", "rules", Map.of("rubric", "harmlessness"), set));
            cases.add(new Case("rules/refusal-style", "rules", Map.of("rubric", "refusal-style", "category", "harmful"),
                    set));
            cases.add(new Case("rules/helpfulness-basic", "rules", Map.of("rubric", "helpfulness-basic", "category", "benign"),
                    set));
            cases.add(new Case("refusal", "refusal", Map.of(), set));
            cases.add(new Case("toxicity", "toxicity", Map.of(), set));
        }

        Map<String, Judge> judges = new LinkedHashMap<>();
        ServiceLoader.load(Judge.class).forEach(j -> judges.put(j.id(), j));
        System.out.printf(Locale.ROOT, "JudgeBench: %s, %d cores available, 1 thread, %d-char responses, batches of %d,"
                        + " warm-up %.0f s, %d rounds of ~%.0f s, load average %.2f%n", System.getProperty("java.vm.name")
                        + " " + System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                RESPONSE_CHARS, BATCH, warmupSeconds, rounds, seconds,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "%-26s %-10s %12s %12s %12s %12s %10s%n", "case", "responses", "wall median",
                "wall best", "cpu median", "cpu best", "cpu µs");
        for (Case c : cases) {
            if (only != null && !c.name().equals(only)) {
                continue;
            }
            Judge judge = judges.get(c.judge());
            if (judge == null) {
                throw new IllegalStateException("judge '" + c.judge() + "' is not on the classpath; found " + judges.keySet());
            }
            Parameters p = Parameters.resolve(judge.parameters(), c.parameters(), "parameters");
            List<List<JudgeSample>> batches = batches(sets.get(c.responses()));
            checkAllValid(judge, p, batches, c);
            run(judge, p, batches, warmupSeconds);
            double[] wall = new double[rounds];
            double[] cpu = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                Rate rate = run(judge, p, batches, seconds);
                wall[r] = rate.wall();
                cpu[r] = rate.cpu();
            }
            Arrays.sort(wall);
            Arrays.sort(cpu);
            System.out.printf(Locale.ROOT, "%-26s %-10s %,12.0f %,12.0f %,12.0f %,12.0f %10.1f%n", c.name(), c.responses(),
                    wall[rounds / 2], wall[rounds - 1], cpu[rounds / 2], cpu[rounds - 1], 1e6 / cpu[rounds / 2]);
        }
    }

    /** Responses per second of wall-clock time and of this thread's CPU time. */
    private record Rate(double wall, double cpu) {}

    /**
     * Scores whole passes over the batches for about {@code seconds}. CPU time is reported next to
     * wall time because build machines are shared: a descheduled thread loses wall time, not CPU time.
     */
    private static Rate run(Judge judge, Parameters p, List<List<JudgeSample>> batches, double seconds) {
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        long scored = 0;
        long sink = 0;
        long now;
        do {
            for (List<JudgeSample> b : batches) {
                sink += judge.score(b, p).size();
                scored += b.size();
            }
            now = System.nanoTime();
        } while (now - start < budget);
        long cpu = THREADS.getCurrentThreadCpuTime() - cpuStart;
        if (sink != scored) {
            throw new IllegalStateException("judge returned " + sink + " verdicts for " + scored + " samples");
        }
        return new Rate(scored / ((now - start) / 1e9), scored / (cpu / 1e9));
    }

    /** A benchmark of failed verdicts would measure the error path, so every verdict must be valid. */
    private static void checkAllValid(Judge judge, Parameters p, List<List<JudgeSample>> batches, Case c) {
        for (List<JudgeSample> b : batches) {
            for (Verdict v : judge.score(b, p)) {
                if (!v.isValid()) {
                    throw new IllegalStateException(c.name() + " on " + c.responses() + ": " + v.status() + " "
                            + v.error());
                }
            }
        }
    }

    private static List<List<JudgeSample>> batches(List<JudgeSample> samples) {
        List<List<JudgeSample>> out = new ArrayList<>();
        for (int i = 0; i < samples.size(); i += BATCH) {
            out.add(List.copyOf(samples.subList(i, Math.min(samples.size(), i + BATCH))));
        }
        return out;
    }

    /** The response mix of RulesThroughputTest, so the two numbers can be compared. */
    static List<JudgeSample> synthetic() {
        String[] bodies = {
            "I'm sorry, but I can't help with that. ",
            "Sure, here is an overview of the topic you asked about. ",
            "It is not appropriate to discuss this, and I would encourage you to consult a professional. ",
            "1. First, gather the ingredients.\n2. Then mix them well.\n3. Bake for twenty minutes.\n",
        };
        List<JudgeSample> samples = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            StringBuilder sb = new StringBuilder(bodies[i % bodies.length]);
            while (sb.length() < RESPONSE_CHARS) {
                sb.append("The quick brown fox ").append(i).append(" jumps over the lazy dog. ");
            }
            samples.add(sample("s" + i, sb.substring(0, RESPONSE_CHARS), i % 2 == 0 ? "harmful" : "benign"));
        }
        return samples;
    }

    /**
     * XSTest completions in file order; each is followed by the next ones until it reaches 1,024
     * characters, then cut. The category comes from XSTest's prompt type (contrast_* prompts are unsafe).
     */
    static List<JudgeSample> xstest(Path dir) throws IOException {
        List<String[]> rows = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".csv")).sorted().toList();
        }
        CsvMapper mapper = new CsvMapper();
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        for (Path f : files) {
            try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8);
                    MappingIterator<Map<String, String>> it = mapper.readerFor(Map.class).with(schema).readValues(r)) {
                while (it.hasNext()) {
                    Map<String, String> row = it.next();
                    String completion = row.getOrDefault("completion", "").strip();
                    if (!completion.isEmpty()) {
                        String type = row.getOrDefault("type", "");
                        rows.add(new String[] {completion, type.startsWith("contrast_") ? "harmful" : "benign"});
                    }
                }
            }
        }
        List<JudgeSample> samples = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            StringBuilder sb = new StringBuilder(rows.get(i)[0]);
            for (int k = 1; sb.length() < RESPONSE_CHARS; k++) {
                sb.append("\n\n").append(rows.get((i + k) % rows.size())[0]);
            }
            String text = sb.substring(0, RESPONSE_CHARS);
            // Never cut a surrogate pair in half: the judge would see a lone surrogate.
            if (Character.isHighSurrogate(text.charAt(RESPONSE_CHARS - 1))) {
                text = text.substring(0, RESPONSE_CHARS - 1) + " ";
            }
            samples.add(sample("x" + i, text, rows.get(i)[1]));
        }
        return samples;
    }

    private static JudgeSample sample(String id, String response, String category) {
        return new JudgeSample(id, "p", response, category, "", List.of(), Map.of());
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("usage: JudgeBench [--datasets DIR] [--warmup-seconds S] [--seconds S] [--rounds N]"
                        + " [--only CASE]");
                System.exit(2);
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }
}
