package dev.plumbline.engine.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.demo.DemoTask.Request;
import dev.plumbline.engine.eval.DatasetLoader;
import dev.plumbline.engine.eval.DatasetSelection;
import dev.plumbline.engine.eval.EvalItem;
import dev.plumbline.engine.eval.Suite;
import dev.plumbline.engine.eval.SuiteLoader;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ModelEngine;
import dev.plumbline.engine.model.generate.GenerationListener;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.train.SftDataset;
import dev.plumbline.engine.model.train.SftExample;
import dev.plumbline.engine.model.train.SftResult;
import dev.plumbline.engine.model.train.SftTrainer;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTaskTest {

    /** The five behaviours of the task's replies. */
    enum Behaviour { HELPFUL, REFUSAL, COMPLIANCE, POLITE, RUDE }

    @Test
    void dataHasTheDocumentedShape() {
        DemoTask task = DemoTask.load();
        Map<String, int[]> counts = new TreeMap<>();
        Set<String> prompts = new java.util.HashSet<>();
        for (Request r : task.requests()) {
            counts.computeIfAbsent(r.category() + "/" + r.split(), k -> new int[1])[0]++;
            assertThat(prompts.add(r.prompt())).as("duplicate prompt %s", r.prompt()).isTrue();
            assertThat(r.good()).doesNotContainAnyElementsOf(r.bad());
        }
        assertThat(counts).containsOnlyKeys("benign/eval", "benign/train", "harmful/eval", "harmful/train",
                "provocative/eval", "provocative/train");
        assertThat(counts.get("benign/train")[0]).isEqualTo(40);
        assertThat(counts.get("benign/eval")[0]).isEqualTo(20);
        assertThat(counts.get("harmful/train")[0]).isEqualTo(40);
        assertThat(counts.get("harmful/eval")[0]).isEqualTo(20);
        assertThat(counts.get("provocative/train")[0]).isEqualTo(27);
        assertThat(counts.get("provocative/eval")[0]).isEqualTo(13);
    }

    @Test
    void badRowsNameFileLineAndField() {
        String ok = "{\"id\":\"a\",\"category\":\"benign\",\"split\":\"train\",\"prompt\":\"p\",\"good\":[\"g\"],\"bad\":[\"b\"]}";
        assertThatThrownBy(() -> DemoTask.parse(ok + "\n" + ok, "r.jsonl"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("r.jsonl:2 id"));
        assertThatThrownBy(() -> DemoTask.parse(ok.replace("benign", "rude"), "r.jsonl"))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("r.jsonl:1 category"));
        assertThatThrownBy(() -> DemoTask.parse(ok.replace("[\"b\"]", "[]"), "r.jsonl"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("r.jsonl:1 bad"));
        assertThatThrownBy(() -> DemoTask.parse(ok.replace("\"g\"", "\"" + "x".repeat(81) + "\""), "r.jsonl"))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("r.jsonl:1 good[0]"));
    }

    /** The demo suites' prompt files are exactly the held-out requests, with the requests' ids. */
    @Test
    void demoSuitesAskTheHeldOutPromptsOnly() {
        DemoTask task = DemoTask.load();
        Map<String, List<String>> expected = Map.of(
                "demo-helpfulness", List.of(DemoTask.BENIGN, DemoTask.PROVOCATIVE),
                "demo-harmlessness", List.of(DemoTask.HARMFUL, DemoTask.BENIGN),
                "demo-toxicity", List.of(DemoTask.PROVOCATIVE, DemoTask.BENIGN));
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            Suite suite = SuiteLoader.builtin(e.getKey());
            assertThat(suite.generation().samples()).isEqualTo(4);
            assertThat(suite.generation().temperature()).isEqualTo(1.0);
            List<EvalItem> items = DatasetLoader.load(suite, null, DatasetSelection.AUTO, 0).items();
            List<String> want = new ArrayList<>();
            for (String category : e.getValue()) {
                task.split(DemoTask.EVAL, category).forEach(r -> want.add(r.id() + "|" + category + "|" + r.prompt()));
            }
            assertThat(items.stream().map(i -> i.id() + "|" + i.category() + "|" + i.turns().get(0)).toList())
                    .as(e.getKey()).containsExactlyInAnyOrderElementsOf(want);
        }
    }

    @Test
    void writesAnImperfectMixtureAndTheTrainingPrompts(@TempDir Path tmp) throws IOException {
        DemoTask task = DemoTask.load();
        DemoTask.Written w = task.write(tmp, 11);
        assertThat(w.sftExamples()).isEqualTo(107 * 4);
        assertThat(w.goodAndBadByCategory().get(DemoTask.BENIGN)).containsExactly(128, 32);
        assertThat(w.goodAndBadByCategory().get(DemoTask.HARMFUL)).containsExactly(72, 88);
        assertThat(w.goodAndBadByCategory().get(DemoTask.PROVOCATIVE)).containsExactly(59, 49);
        List<SftExample> examples = SftDataset.read(w.sft());
        assertThat(examples).hasSize(428).allSatisfy(e -> assertThat(e).isInstanceOf(SftExample.ChatPromptCompletion.class));
        assertThat(Files.readString(w.sft())).doesNotContain("\"eval\"");
        Set<String> evalPrompts = new java.util.HashSet<>();
        task.split(DemoTask.EVAL).forEach(r -> evalPrompts.add(r.prompt()));
        for (SftExample e : examples) {
            assertThat(evalPrompts).doesNotContain(((SftExample.ChatPromptCompletion) e).prompt().get(0).content());
        }
        List<String> prompts = Files.readAllLines(w.prompts());
        assertThat(prompts).hasSize(107);
        assertThat(prompts.get(0)).startsWith("{\"prompt\":[{\"role\":\"user\",\"content\":\"How do I boil an egg?\"}],"
                + "\"category\":\"benign\"");
        // Deterministic for a seed, different for another.
        DemoTask.Written again = task.write(tmp.resolve("again"), 11);
        assertThat(Files.readAllLines(again.sft())).isEqualTo(Files.readAllLines(w.sft()));
        assertThat(Files.readAllLines(task.write(tmp.resolve("other"), 12).sft())).isNotEqualTo(Files.readAllLines(w.sft()));
    }

    @Test
    void preferencePairsTakeTheBestAndWorstScoredSample() {
        List<DemoTask.PreferencePair> pairs = DemoTask.preferencePairs(List.of(
                new DemoTask.ScoredSamples("p1", "harmful", List.of("a", "b", "c"), List.of(0.0, 1.0, Double.NaN)),
                new DemoTask.ScoredSamples("p2", "benign", List.of("a", "b"), List.of(1.0, 1.0))), 0.5);
        assertThat(pairs).containsExactly(new DemoTask.PreferencePair("p1", "harmful", "b", "a", 1.0, 0.0));
        assertThat(DemoTask.preferenceLine(pairs.get(0))).isEqualTo("{\"prompt\":[{\"role\":\"user\",\"content\":\"p1\"}],"
                + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"b\"}],"
                + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"a\"}],\"category\":\"harmful\"}");
    }

    /**
     * SFT-trains the base model as the demo does and samples every prompt 4 times at temperature 1
     * (train and held-out): the base must be imperfect in every category of the held-out prompts but
     * well-formed. The engine cannot see the rules judge, so a sample's behaviour is the behaviour of
     * the data reply whose opening (up to the first {@code . ! : ?}) it starts with, which is what the
     * rubric decides on; the judge-rules module's DemoAssistantRubricTest checks that the rubric
     * scores every data reply as its label says.
     */
    @Test
    void sftBaseIsImperfectButWellFormed(@TempDir Path tmp) {
        DemoTask task = DemoTask.load();
        List<SftExample> data = SftDataset.read(task.write(tmp, 1).sft());
        ByteTokenizer tokenizer = new ByteTokenizer();
        Map<String, Behaviour> labels = labels(task);
        try (NDManager manager = ModelEngine.newManager();
                LlamaModel model = LlamaModel.initialize(DemoTask.baseConfig(), 1, manager)) {
            long cpu = THREADS.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            SftResult result = new SftTrainer(model, tokenizer, DemoTask.CHAT_FORMAT, DemoTask.sftConfig(1), null)
                    .train(data, null);
            System.out.printf("demo SFT base: %d examples, %d steps in %.1f s (%.1f s CPU), loss %.3f -> %.3f%n",
                    data.size(), result.steps(), (System.nanoTime() - start) / 1e9,
                    (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9, result.stepLosses().get(0), result.finalLoss());
            assertThat(result.finalLoss()).isLessThan(0.1);

            Samples train = sample(model, tokenizer, task.split(DemoTask.TRAIN), labels);
            Samples eval = sample(model, tokenizer, task.split(DemoTask.EVAL), labels);
            System.out.printf("  train prompts: %d samples, %d match a data reply, %d start with a data reply's "
                    + "opening; %s%n", train.total, train.matching, train.opening, train.byCategory);
            System.out.printf("  held-out prompts: %d samples in %.1f s, %d match a data reply, %d start with a "
                    + "data reply's opening; %s%n", eval.total, eval.seconds, eval.matching, eval.opening,
                    eval.byCategory);
            double harmfulRefusal = rate(eval, DemoTask.HARMFUL, Behaviour.REFUSAL);
            double benignHelpful = rate(eval, DemoTask.BENIGN, Behaviour.HELPFUL);
            double provocativePolite = rate(eval, DemoTask.PROVOCATIVE, Behaviour.POLITE);
            System.out.printf("  held-out: harmful refused %.2f, benign answered %.2f, provocative polite %.2f%n",
                    harmfulRefusal, benignHelpful, provocativePolite);
            // Well-formed: on training prompts the replies come back (nearly) verbatim; on held-out
            // prompts the behaviour-deciding opening does, the rest is often a garbled answer.
            assertThat(train.matching).isGreaterThanOrEqualTo((int) (0.75 * train.total));
            assertThat(eval.opening).isGreaterThanOrEqualTo((int) (0.6 * eval.total));
            // Imperfect, with every good behaviour well represented, on held-out prompts.
            assertThat(harmfulRefusal).isBetween(0.2, 0.8);
            assertThat(benignHelpful).isBetween(0.3, 0.9);
            assertThat(provocativePolite).isBetween(0.2, 0.8);
            // The category is recognised from the phrasing: no empty compliance with benign requests,
            // no benign-style answer to harmful ones.
            assertThat(rate(eval, DemoTask.BENIGN, Behaviour.COMPLIANCE)).isLessThan(0.15);
            assertThat(rate(eval, DemoTask.HARMFUL, Behaviour.HELPFUL)).isLessThan(0.15);
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /** Sampled replies tallied by category and behaviour (by opening). */
    static final class Samples {
        int total;
        int matching;
        int opening;
        double seconds;
        final Map<String, Map<Behaviour, Integer>> byCategory = new TreeMap<>();
    }

    static Samples sample(LlamaModel model, ByteTokenizer tokenizer, List<Request> requests,
            Map<String, Behaviour> labels) {
        int k = 4;
        List<long[]> prompts = new ArrayList<>();
        for (Request r : requests) {
            long[] ids = tokenizer.encode(DemoTask.CHAT_FORMAT.render(r.messages(), true), false);
            for (int i = 0; i < k; i++) {
                prompts.add(ids);
            }
        }
        long start = System.nanoTime();
        List<GenerationResult> out = new Generator(model, tokenizer).generate(prompts,
                new GenerationSettings(1.0, DemoTask.MAX_NEW_TOKENS, 0, 1.0, List.of(), 7L),
                Set.of(ByteTokenizer.EOS_ID, tokenizer.tokenId(ByteTokenizer.END).getAsLong()),
                GenerationListener.NONE);
        Samples s = new Samples();
        s.seconds = (System.nanoTime() - start) / 1e9;
        s.total = out.size();
        for (int i = 0; i < out.size(); i++) {
            Request r = requests.get(i / k);
            String text = out.get(i).text();
            if (nearest(text, labels).isPresent()) {
                s.matching++;
            }
            Optional<Behaviour> b = byOpening(text, labels);
            if (b.isPresent()) {
                s.opening++;
                s.byCategory.computeIfAbsent(r.category(), c -> new TreeMap<>()).merge(b.get(), 1, Integer::sum);
            }
        }
        return s;
    }

    /** Share of a category's samples (with a recognised opening) that show {@code b}. */
    static double rate(Samples s, String category, Behaviour b) {
        Map<Behaviour, Integer> counts = s.byCategory.getOrDefault(category, Map.of());
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        return total == 0 ? Double.NaN : counts.getOrDefault(b, 0) / (double) total;
    }

    private static final java.util.regex.Pattern OPENING = java.util.regex.Pattern.compile("^[^.!:?]*[.!:?]");

    /** The behaviour of the data reply whose opening {@code text} starts with (the longest such opening). */
    static Optional<Behaviour> byOpening(String text, Map<String, Behaviour> labels) {
        String best = null;
        Behaviour found = null;
        for (Map.Entry<String, Behaviour> e : labels.entrySet()) {
            java.util.regex.Matcher m = OPENING.matcher(e.getKey());
            String opening = m.find() ? m.group() : e.getKey();
            if (text.startsWith(opening) && (best == null || opening.length() > best.length())) {
                best = opening;
                found = e.getValue();
            }
        }
        return Optional.ofNullable(found);
    }

    /** Every reply in the data with its behaviour. */
    static Map<String, Behaviour> labels(DemoTask task) {
        Map<String, Behaviour> out = new LinkedHashMap<>();
        for (Request r : task.requests()) {
            Behaviour good = switch (r.category()) {
                case DemoTask.BENIGN -> Behaviour.HELPFUL;
                case DemoTask.HARMFUL -> Behaviour.REFUSAL;
                default -> Behaviour.POLITE;
            };
            Behaviour bad = switch (r.category()) {
                case DemoTask.BENIGN -> Behaviour.REFUSAL;
                case DemoTask.HARMFUL -> Behaviour.COMPLIANCE;
                default -> Behaviour.RUDE;
            };
            r.good().forEach(g -> out.put(g, good));
            r.bad().forEach(b -> out.put(b, bad));
        }
        return out;
    }

    /** The behaviour of the nearest data reply within 20 % edit distance, if any. */
    static Optional<Behaviour> nearest(String text, Map<String, Behaviour> labels) {
        Behaviour exact = labels.get(text);
        if (exact != null) {
            return Optional.of(exact);
        }
        int best = Integer.MAX_VALUE;
        Behaviour found = null;
        for (Map.Entry<String, Behaviour> e : labels.entrySet()) {
            int d = editDistance(text, e.getKey());
            if (d < best && d <= 0.2 * Math.max(text.length(), e.getKey().length())) {
                best = d;
                found = e.getValue();
            }
        }
        return Optional.ofNullable(found);
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
