package dev.plumbline.plugin.conformance.train;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ModelEngine;
import dev.plumbline.engine.model.RopeScaling;
import dev.plumbline.engine.model.chat.ChatFormat;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.generate.GenerationListener;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.train.SftConfig;
import dev.plumbline.engine.model.train.SftExample;
import dev.plumbline.engine.model.train.SftTrainer;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.engine.train.TrainerEvent;
import dev.plumbline.engine.train.TrainingLoop;
import dev.plumbline.engine.train.TrainingPlanner;
import dev.plumbline.engine.train.TrainingRequest;
import dev.plumbline.engine.train.TrainingResult;
import dev.plumbline.plugin.dpo.OnlineDpoAlgorithm;
import dev.plumbline.plugin.grpo.GrpoAlgorithm;
import dev.plumbline.plugin.nash.NashMdAlgorithm;
import dev.plumbline.plugin.nash.SppoAlgorithm;
import dev.plumbline.plugin.ppo.PpoAlgorithm;
import dev.plumbline.plugin.rloo.RlooAlgorithm;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.ComparisonPair;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.Judge;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.PairwiseVerdict;
import dev.plumbline.spi.Parameters;
import dev.plumbline.spi.Preference;
import dev.plumbline.spi.Provenance;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * The synthetic task of the online-trainer tests. A tiny byte-tokenizer Llama (hidden 32, 1 layer)
 * is SFT-warmed to answer "Letters N" with 6 random letters from {a, b, c, d} and an end marker, so
 * its samples are varied but structured; the reward is the share of the letter {@code a} among the
 * letters of a completion (about 0.25 before training). The pairwise judge prefers the response with
 * the larger share: {@code P(A > B) = sigmoid(8 (share(A) - share(B)))}.
 *
 * <p>Built once per JVM (about two seconds) and shared by the test classes.
 */
final class OnlineFixture {

    static final String REWARD_JUDGE = "letter-share";
    static final String PAIRWISE_JUDGE = "letter-duel";
    static final String FLAKY_JUDGE = "flaky-letter-share";
    static final String FLAKY_PAIRWISE_JUDGE = "flaky-letter-duel";
    static final String BROKEN_JUDGE = "broken-judge";
    static final int PROMPTS = 12;
    static final double SHARPNESS = 8.0;

    private static OnlineFixture instance;

    final Path root;
    final Path base;
    final Path promptSet;
    final PluginRegistry registry;

    private OnlineFixture(Path root) throws IOException {
        this.root = root;
        this.base = root.resolve("base");
        this.promptSet = root.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < PROMPTS; i++) {
            lines.add("{\"prompt\": [{\"role\": \"user\", \"content\": \"" + prompt(i) + "\"}]}");
        }
        Files.write(promptSet, lines);
        warmUp(base);
        registry = PluginRegistry.of(List.of(new GrpoAlgorithm(), new RlooAlgorithm(), new PpoAlgorithm(),
                new SppoAlgorithm(), new NashMdAlgorithm(), new OnlineDpoAlgorithm(), new ShareJudge(REWARD_JUDGE, false),
                new ShareJudge(FLAKY_JUDGE, true), new DuelJudge(PAIRWISE_JUDGE, false),
                new DuelJudge(FLAKY_PAIRWISE_JUDGE, true), new BrokenJudge()));
    }

    static synchronized OnlineFixture get() {
        if (instance == null) {
            try {
                long start = System.nanoTime();
                Path root = Files.createTempDirectory("plumbline-online-");
                root.toFile().deleteOnExit();
                instance = new OnlineFixture(root);
                System.out.printf("online fixture: %.1f s%n", (System.nanoTime() - start) / 1e9);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    static String prompt(int i) {
        return "Letters " + (i + 1);
    }

    static LlamaConfig config() {
        return new LlamaConfig(ByteTokenizer.VOCAB_SIZE, 32, 64, 1, 2, 1, 16, 64, 1e-6, 10000.0, RopeScaling.NONE,
                false, ByteTokenizer.BOS_ID, List.of(ByteTokenizer.EOS_ID), ByteTokenizer.PAD_ID, 0.02, "float32");
    }

    private static void warmUp(Path dir) {
        SplittableRandom random = new SplittableRandom(42);
        List<SftExample> examples = new ArrayList<>();
        for (int copy = 0; copy < 8; copy++) {
            for (int i = 0; i < PROMPTS; i++) {
                StringBuilder letters = new StringBuilder();
                for (int k = 0; k < 6; k++) {
                    letters.append((char) ('a' + random.nextInt(4)));
                }
                examples.add(new SftExample.ChatPromptCompletion("warmup:" + i, List.of(ChatTurn.user(prompt(i))),
                        List.of(ChatTurn.assistant(letters.toString()))));
            }
        }
        SftConfig config = SftConfig.builder().maxSteps(60).batchSize(16).learningRate(1e-2).warmupRatio(0.05)
                .seed(1).loggingSteps(1000).saveSteps(0).build();
        try (NDManager manager = ModelEngine.newManager(); LlamaModel model = LlamaModel.initialize(config(), 3, manager)) {
            ByteTokenizer tokenizer = new ByteTokenizer();
            new SftTrainer(model, tokenizer, ChatFormat.PLUMBLINE, config, null).train(examples, null);
            model.setRequiresGradient(false);
            LocalCheckpoint.save(dir, model, tokenizer);
        }
    }

    /** Share of {@code a} among the letters a-z of {@code text}; 0 without letters. */
    static double share(String text) {
        int letters = 0;
        int a = 0;
        for (char c : text.toCharArray()) {
            if (c >= 'a' && c <= 'z') {
                letters++;
                a += c == 'a' ? 1 : 0;
            }
        }
        return letters == 0 ? 0.0 : (double) a / letters;
    }

    static double preferA(String a, String b) {
        return 1.0 / (1.0 + Math.exp(-SHARPNESS * (share(a) - share(b))));
    }

    /** Samples {@code perPrompt} completions of every prompt from the checkpoint in {@code dir}. */
    static List<String> sample(Path dir, int perPrompt, long seed, double temperature) {
        try (NDManager manager = ModelEngine.newManager(); LocalCheckpoint c = LocalCheckpoint.load(dir, manager)) {
            List<long[]> prompts = new ArrayList<>();
            for (int i = 0; i < PROMPTS; i++) {
                long[] ids = c.tokenizer().encode(c.chatFormat().render(List.of(ChatTurn.user(prompt(i))), true), false);
                for (int k = 0; k < perPrompt; k++) {
                    prompts.add(ids);
                }
            }
            List<GenerationResult> results = new Generator(c.model(), c.tokenizer()).generate(prompts,
                    new GenerationSettings(temperature, 10, 0, 1.0, List.of(), seed), c.stopTokenIds(),
                    GenerationListener.NONE);
            return results.stream().map(GenerationResult::text).toList();
        }
    }

    /** Mean reward of 96 held-out samples (8 per prompt, a fixed seed unlike training's). */
    static double meanReward(Path dir) {
        return sample(dir, 8, 987_654_321L, 1.0).stream().mapToDouble(OnlineFixture::share).average().orElseThrow();
    }

    /** Mean {@code P(trained > reference)} over 96 sample pairs (same prompts and seed for both models). */
    static double winRate(Path trained, Path reference) {
        List<String> a = sample(trained, 8, 987_654_321L, 1.0);
        List<String> b = sample(reference, 8, 987_654_321L, 1.0);
        double sum = 0;
        for (int i = 0; i < a.size(); i++) {
            sum += preferA(a.get(i), b.get(i));
        }
        return sum / a.size();
    }

    TrainingRequest request(String algorithm, Map<String, Object> parameters, String judge, long seed, Path out,
            Map<String, Object> trainer) {
        return new TrainingRequest(algorithm, parameters, base, null, promptSet, judge, Map.of(), seed, out, trainer);
    }

    TrainingResult train(TrainingRequest request, List<TrainerEvent> events, BooleanSupplier cancelled) {
        return TrainingLoop.run(new TrainingPlanner(registry).plan(request), events::add, cancelled);
    }

    TrainingResult train(TrainingRequest request, List<TrainerEvent> events) {
        return train(request, events, () -> false);
    }

    /** Pointwise: the share of {@code a}; the flaky variant fails on every response whose hash is 0 mod 3. */
    static final class ShareJudge implements Judge {
        private final String id;
        private final boolean flaky;

        ShareJudge(String id, boolean flaky) {
            this.id = id;
            this.flaky = flaky;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String description() {
            return "test judge: share of the letter a";
        }

        @Override
        public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
            Provenance p = new Provenance(id, "1", "", "");
            List<Verdict> out = new ArrayList<>();
            for (JudgeSample s : samples) {
                if (flaky && Math.floorMod(s.response().hashCode(), 3) == 0) {
                    out.add(Verdict.failed(s.id(), VerdictStatus.UNPARSEABLE, "flaky", p));
                } else {
                    out.add(Verdict.valid(s.id(), Map.of("score", share(s.response())), "", p));
                }
            }
            return out;
        }
    }

    /** Pointwise, and throws on every call (the guard turns that into ERROR verdicts). */
    static final class BrokenJudge implements Judge {
        @Override
        public String id() {
            return BROKEN_JUDGE;
        }

        @Override
        public String description() {
            return "test judge: always fails";
        }

        @Override
        public List<Verdict> score(List<JudgeSample> samples, Parameters parameters) {
            throw new IllegalStateException("judge backend unavailable");
        }
    }

    /**
     * Pairwise: {@code P(A > B) = sigmoid(8 (share(A) - share(B)))}; the flaky variant fails on every
     * pair whose texts hash to 0 mod 3.
     */
    static final class DuelJudge implements Judge {
        private final String id;
        private final boolean flaky;

        DuelJudge(String id, boolean flaky) {
            this.id = id;
            this.flaky = flaky;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String description() {
            return "test judge: prefers more a's";
        }

        @Override
        public boolean pointwise() {
            return false;
        }

        @Override
        public boolean pairwise() {
            return true;
        }

        @Override
        public List<PairwiseVerdict> compare(List<ComparisonPair> pairs, Parameters parameters) {
            Provenance p = new Provenance(id, "1", "", "");
            List<PairwiseVerdict> out = new ArrayList<>();
            for (ComparisonPair pair : pairs) {
                if (flaky && Math.floorMod((pair.responseA() + "|" + pair.responseB()).hashCode(), 3) == 0) {
                    out.add(PairwiseVerdict.failed(pair.id(), VerdictStatus.REFUSED, "flaky", p));
                    continue;
                }
                double pa = preferA(pair.responseA(), pair.responseB());
                Preference pref = pa > 0.5 ? Preference.A : pa < 0.5 ? Preference.B : Preference.TIE;
                out.add(new PairwiseVerdict(pair.id(), VerdictStatus.VALID, pref, pa, true, Map.of(), "", p, ""));
            }
            return out;
        }
    }
}
