package dev.plumbline.plugin.conformance.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.CompletionBatch;
import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ModelEngine;
import dev.plumbline.engine.model.RopeScaling;
import dev.plumbline.engine.model.ScoredSequence;
import dev.plumbline.engine.model.TokenLogProbs;
import dev.plumbline.engine.model.chat.ChatFormat;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.train.SftConfig;
import dev.plumbline.engine.model.train.SftEncoder;
import dev.plumbline.engine.model.train.SftExample;
import dev.plumbline.engine.model.train.SftTrainer;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.engine.train.TrainerEvent;
import dev.plumbline.engine.train.TrainingLoop;
import dev.plumbline.engine.train.TrainingPlanner;
import dev.plumbline.engine.train.TrainingRequest;
import dev.plumbline.engine.train.TrainingResult;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every offline algorithm trains a tiny policy on a synthetic preference task and moves what it
 * optimises on held-back pairs. The base model is SFT-trained to prefer the rejected style
 * (rude refusals) 3:1, so the reference-free losses must flip its own preference, and the
 * reference-based ones must grow the implicit-reward margin from zero.
 */
class OfflineTrainingTest {

    static final String[] TOPICS = {"apples", "rivers", "music", "chess", "bread", "trains", "clouds", "gardens",
            "winter", "oceans", "maps", "tea", "bicycles", "stars", "books", "soup", "bridges", "cats", "forests",
            "coffee", "kites", "lamps", "rain", "salt", "pianos", "deserts", "honey", "boats", "mountains", "paper",
            "owls", "glass"};
    static final String[] GOOD = {"Sure! Here is a fact about %s.", "Happy to help: %s are interesting.",
            "Of course, %s are a fine topic."};
    static final String[] BAD = {"No. Ask someone else.", "Go away, not now.", "No, that is boring."};

    static NDManager manager;
    static Path root;
    static Path base;
    static PluginRegistry registry;

    @BeforeAll
    static void baseModel(@TempDir Path tmp) {
        manager = ModelEngine.newManager();
        registry = PluginRegistry.discover();
        root = tmp;
        base = tmp.resolve("base");
        List<SftExample> sft = new ArrayList<>();
        for (int i = 0; i < TOPICS.length; i++) {
            for (int k = 0; k < 4; k++) { // 3 rude : 1 polite
                String reply = k == 0 ? GOOD[(i + k) % GOOD.length].formatted(TOPICS[i]) : BAD[(i + k) % BAD.length];
                sft.add(new SftExample.ChatPromptCompletion("sft", prompt(TOPICS[i]), List.of(ChatTurn.assistant(reply))));
            }
        }
        SftConfig config = SftConfig.builder().maxSteps(60).batchSize(16).learningRate(3e-3).warmupRatio(0.1)
                .seed(5).loggingSteps(60).build();
        try (LlamaModel model = LlamaModel.initialize(config(), 11, manager)) {
            new SftTrainer(model, new ByteTokenizer(), ChatFormat.PLUMBLINE, config, null).train(sft, base);
        }
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static LlamaConfig config() {
        return new LlamaConfig(ByteTokenizer.VOCAB_SIZE, 48, 96, 2, 4, 2, 12, 128, 1e-6, 10000.0, RopeScaling.NONE,
                false, ByteTokenizer.BOS_ID, List.of(ByteTokenizer.EOS_ID), ByteTokenizer.PAD_ID, 0.02, "float32");
    }

    static List<ChatTurn> prompt(String topic) {
        return List.of(ChatTurn.user("Tell me about " + topic + "."));
    }

    /** Pairs for topics [from, to): chosen polite, rejected rude. */
    static Path pairs(String name, int from, int to, boolean unpaired) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String p = "[{\"role\": \"user\", \"content\": \"Tell me about " + TOPICS[i] + ".\"}]";
            for (int k = 0; k < 2; k++) {
                String chosen = GOOD[(i + k) % GOOD.length].formatted(TOPICS[i]);
                String rejected = BAD[(i + 2 * k) % BAD.length];
                if (unpaired) {
                    lines.add("{\"prompt\": " + p + ", \"completion\": [{\"role\": \"assistant\", \"content\": \""
                            + chosen + "\"}], \"label\": true}");
                    lines.add("{\"prompt\": " + p + ", \"completion\": [{\"role\": \"assistant\", \"content\": \""
                            + rejected + "\"}], \"label\": false}");
                } else {
                    lines.add("{\"prompt\": " + p + ", \"chosen\": [{\"role\": \"assistant\", \"content\": \"" + chosen
                            + "\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"" + rejected + "\"}]}");
                }
            }
        }
        Path file = root.resolve(name + ".jsonl");
        Files.write(file, lines);
        return file;
    }

    static TrainingResult train(String algorithm, Map<String, Object> parameters, boolean unpaired, Path out,
            List<TrainerEvent> events) throws IOException {
        Map<String, Object> trainer = Map.of("learning_rate", 2e-3, "max_steps", 30,
                "per_device_train_batch_size", 8, "logging_steps", 10, "save_steps", 0, "lr_scheduler_type", "constant");
        TrainingRequest request = new TrainingRequest(algorithm, parameters, base, pairs("train", 0, 24, unpaired), null,
                null, Map.of(), 17, out, trainer);
        return TrainingLoop.run(new TrainingPlanner(registry).plan(request), events::add, () -> false);
    }

    /** Held-back pairs (topics the training never saw): per pair, the summed and averaged completion log-probs. */
    record Scores(double[] chosenSum, double[] rejectedSum, double[] chosenAvg, double[] rejectedAvg) {}

    static Scores score(Path modelDir) {
        List<ScoredSequence> chosen = new ArrayList<>();
        List<ScoredSequence> rejected = new ArrayList<>();
        try (LocalCheckpoint c = LocalCheckpoint.load(modelDir, manager)) {
            SftEncoder encoder = new SftEncoder(c.tokenizer(), c.chatFormat(), true, 128);
            for (int i = 24; i < TOPICS.length; i++) {
                for (int k = 0; k < 2; k++) {
                    chosen.add(encoder.encode(new SftExample.ChatPromptCompletion("t", prompt(TOPICS[i]),
                            List.of(ChatTurn.assistant(GOOD[(i + k) % GOOD.length].formatted(TOPICS[i]))))));
                    rejected.add(encoder.encode(new SftExample.ChatPromptCompletion("t", prompt(TOPICS[i]),
                            List.of(ChatTurn.assistant(BAD[(i + 2 * k) % BAD.length])))));
                }
            }
            double[][] cs = sums(c.model(), chosen);
            double[][] rs = sums(c.model(), rejected);
            return new Scores(cs[0], rs[0], cs[1], rs[1]);
        }
    }

    private static double[][] sums(LlamaModel model, List<ScoredSequence> sequences) {
        try (NDManager m = manager.newSubManager()) {
            CompletionBatch batch = CompletionBatch.of(sequences, ByteTokenizer.PAD_ID);
            float[] sums = TokenLogProbs.of(model, batch, m).sum(new int[] {1}).toFloatArray();
            double[][] out = new double[2][sums.length];
            for (int i = 0; i < sums.length; i++) {
                out[0][i] = sums[i];
                out[1][i] = sums[i] / sequences.get(i).targetCount();
            }
            return out;
        }
    }

    /** Share of pairs with a positive margin, and the mean margin. */
    static double[] accuracyAndMargin(double[] margins) {
        double correct = 0;
        double sum = 0;
        for (double d : margins) {
            correct += d > 0 ? 1 : 0;
            sum += d;
        }
        return new double[] {correct / margins.length, sum / margins.length};
    }

    /** beta * ((log pi(w) - log ref(w)) - (log pi(l) - log ref(l))): DPO's implicit reward margin. */
    static double[] implicitReward(Scores policy, Scores reference, double beta) {
        double[] d = new double[policy.chosenSum().length];
        for (int i = 0; i < d.length; i++) {
            d[i] = beta * ((policy.chosenSum()[i] - reference.chosenSum()[i])
                    - (policy.rejectedSum()[i] - reference.rejectedSum()[i]));
        }
        return accuracyAndMargin(d);
    }

    /** The policy's own preference by length-averaged log-probs (what SimPO, CPO and ORPO push apart). */
    static double[] ownPreference(Scores s) {
        double[] d = new double[s.chosenAvg().length];
        for (int i = 0; i < d.length; i++) {
            d[i] = s.chosenAvg()[i] - s.rejectedAvg()[i];
        }
        return accuracyAndMargin(d);
    }

    private static void report(String algorithm, String what, double[] before, double[] after) {
        System.out.printf(Locale.ROOT, "%-6s %s: accuracy %.2f -> %.2f, margin %.3f -> %.3f%n", algorithm, what,
                before[0], after[0], before[1], after[1]);
    }

    @Test
    void dpoAndIpoGrowTheImplicitRewardMarginOnHeldBackPairs() throws IOException {
        Scores reference = score(base);
        for (String algorithm : List.of("dpo", "ipo")) {
            List<TrainerEvent> events = new ArrayList<>();
            TrainingResult result = train(algorithm, Map.of(), false, root.resolve(algorithm), events);
            assertThat(result.cancelled()).isFalse();
            double[] after = implicitReward(score(result.outputDir()), reference, 0.1);
            report(algorithm, "implicit reward (held-back)", new double[] {0, 0}, after);
            assertThat(after[0]).as(algorithm + " preference accuracy").isGreaterThanOrEqualTo(0.9);
            assertThat(after[1]).as(algorithm + " reward margin").isGreaterThan(0.5);
            List<TrainerEvent.Step> steps = events.stream().filter(TrainerEvent.Step.class::isInstance)
                    .map(TrainerEvent.Step.class::cast).toList();
            assertThat(steps).hasSize(3);
            assertThat(steps.get(2).metrics()).containsKeys("loss", "rewards/accuracies", "rewards/margins",
                    "rewards/chosen", "rewards/rejected", "logps/chosen", "logps/rejected", "learning_rate",
                    "grad_norm", "epoch");
            assertThat(steps.get(2).metrics().get("rewards/margins"))
                    .isGreaterThan(steps.get(0).metrics().get("rewards/margins"));
        }
    }

    @Test
    void referenceFreeLossesFlipThePoliciesOwnPreference() throws IOException {
        double[] before = ownPreference(score(base));
        assertThat(before[0]).as("the base prefers the rude replies").isLessThanOrEqualTo(0.2);
        for (String algorithm : List.of("simpo", "cpo", "orpo")) {
            TrainingResult result = train(algorithm, Map.of(), false, root.resolve(algorithm), new ArrayList<>());
            double[] after = ownPreference(score(result.outputDir()));
            report(algorithm, "own preference (held-back)", before, after);
            assertThat(after[0]).as(algorithm + " preference accuracy").isGreaterThanOrEqualTo(0.9);
            assertThat(after[1] - before[1]).as(algorithm + " margin gain").isGreaterThan(0.5);
        }
    }

    @Test
    void ktoSeparatesDesirableFromUndesirableCompletions() throws IOException {
        Scores reference = score(base);
        TrainingResult result = train("kto", Map.of(), true, root.resolve("kto"), new ArrayList<>());
        Scores after = score(result.outputDir());
        double desirable = 0;
        double undesirable = 0;
        int n = after.chosenSum().length;
        for (int i = 0; i < n; i++) {
            desirable += 0.1 * (after.chosenSum()[i] - reference.chosenSum()[i]) / n;
            undesirable += 0.1 * (after.rejectedSum()[i] - reference.rejectedSum()[i]) / n;
        }
        System.out.printf(Locale.ROOT, "kto    held-back implicit reward: desirable %.3f, undesirable %.3f%n",
                desirable, undesirable);
        assertThat(desirable - undesirable).as("KTO desirable-vs-undesirable margin").isGreaterThan(0.5);
        assertThat(undesirable).isNegative();
    }

    @Test
    void aBadDatasetLineFailsPlanningWithFileLineAndField() throws IOException {
        Path bad = root.resolve("bad.jsonl");
        Files.writeString(bad, "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n"
                + "{\"prompt\": \"a\", \"chosen\": \"b\"}\n");
        TrainingRequest request = new TrainingRequest("dpo", Map.of(), base, bad, null, null, Map.of(), 1,
                root.resolve("never"), Map.of());
        assertThatThrownBy(() -> new TrainingPlanner(registry).plan(request))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo(bad + ":2 rejected"));
        Files.writeString(bad, "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\nnot json\n");
        assertThatThrownBy(() -> new TrainingPlanner(registry).plan(request))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo(bad + ":2"));
        assertThat(root.resolve("never")).doesNotExist();
    }

    @Test
    void sameSeedSameWeightsAndAResumedRunEndsWhereAnUninterruptedOneDoes() throws IOException {
        Map<String, Object> trainer = Map.of("learning_rate", 2e-3, "max_steps", 8, "per_device_train_batch_size", 4,
                "gradient_accumulation_steps", 2, "logging_steps", 2, "save_steps", 3, "lr_scheduler_type", "linear",
                "warmup_steps", 2);
        Path data = pairs("resume", 0, 24, false);
        TrainingPlanner planner = new TrainingPlanner(registry);
        TrainingRequest straight = new TrainingRequest("dpo", Map.of(), base, data, null, null, Map.of(), 3,
                root.resolve("straight"), trainer);
        TrainingLoop.run(planner.plan(straight), null, () -> false);
        // Stop after the checkpoint at step 3 (the cancel flag is polled before each step), then run again.
        TrainingRequest interrupted = new TrainingRequest("dpo", Map.of(), base, data, null, null, Map.of(), 3,
                root.resolve("interrupted"), trainer);
        List<TrainerEvent> first = new ArrayList<>();
        TrainingResult stopped = TrainingLoop.run(planner.plan(interrupted), first::add,
                () -> first.stream().anyMatch(TrainerEvent.CheckpointSaved.class::isInstance)
                        && first.stream().filter(TrainerEvent.Step.class::isInstance).count() >= 2);
        assertThat(stopped.cancelled()).isTrue();
        assertThat(stopped.steps()).isEqualTo(4);
        List<TrainerEvent> second = new ArrayList<>();
        TrainingResult resumed = TrainingLoop.run(planner.plan(interrupted), second::add, () -> false);
        assertThat(second.get(0)).isEqualTo(new TrainerEvent.Started(3, 8, root.resolve("interrupted/checkpoint-3")));
        assertThat(resumed.steps()).isEqualTo(8);
        assertThat(Files.readAllBytes(root.resolve("interrupted/model.safetensors")))
                .isEqualTo(Files.readAllBytes(root.resolve("straight/model.safetensors")));
        assertThat(Files.readString(root.resolve("interrupted/trainer_state.json")))
                .isEqualTo(Files.readString(root.resolve("straight/trainer_state.json")));
        assertThat(root.resolve("interrupted/checkpoint-6/optimizer.safetensors")).exists();
        assertThat(root.resolve("interrupted/checkpoint-3/trainer_state.json")).exists(); // save_total_limit 2
    }
}
