package dev.plumbline.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.chat.ChatFormat;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.generate.GenerationListener;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.train.SftConfig;
import dev.plumbline.engine.model.train.SftDataset;
import dev.plumbline.engine.model.train.SftExample;
import dev.plumbline.engine.model.train.SftResult;
import dev.plumbline.engine.model.train.SftTrainer;
import dev.plumbline.engine.model.train.TrainingEvent;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.GenerationSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftTrainerTest {

    static final Map<String, String> CAPITALS = new LinkedHashMap<>();

    static {
        CAPITALS.put("France", "Paris");
        CAPITALS.put("Japan", "Tokyo");
        CAPITALS.put("Peru", "Lima");
        CAPITALS.put("Kenya", "Nairobi");
        CAPITALS.put("Italy", "Rome");
        CAPITALS.put("Egypt", "Cairo");
        CAPITALS.put("Chile", "Santiago");
        CAPITALS.put("Spain", "Madrid");
    }

    static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = ModelEngine.newManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    static String question(String country) {
        return "Capital of " + country + "?";
    }

    /** The capitals task as TRL conversational JSONL. */
    static Path writeData(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        CAPITALS.forEach((country, capital) -> lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \""
                + question(country) + "\"}, {\"role\": \"assistant\", \"content\": \"" + capital + "\"}]}"));
        Path file = dir.resolve("capitals.jsonl");
        Files.write(file, lines);
        return file;
    }

    @Test
    void learnsTheCapitalsAndAnswersThemByGreedyGeneration(@TempDir Path tmp) throws IOException {
        List<SftExample> data = SftDataset.read(writeData(tmp));
        SftConfig config = SftConfig.builder().maxSteps(120).batchSize(8).learningRate(3e-3).warmupRatio(0.1)
                .weightDecay(0.01).maxGradNorm(1.0).seed(7).loggingSteps(10).saveSteps(60).build();
        List<TrainingEvent> events = new ArrayList<>();
        ByteTokenizer tokenizer = new ByteTokenizer();
        Path out = tmp.resolve("run");
        long start = System.nanoTime();
        try (LlamaModel model = LlamaModel.initialize(TestModels.tinyConfig(), 1, manager)) {
            SftResult result = new SftTrainer(model, tokenizer, ChatFormat.PLUMBLINE, config, events::add)
                    .train(data, out);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("SFT capitals: %d steps in %.1f s, loss %.3f -> %.4f%n", result.steps(), seconds,
                    result.stepLosses().get(0), result.finalLoss());
            assertThat(result.stepLosses().get(0)).isGreaterThan(4.0); // ~ln(263) at random init
            assertThat(result.finalLoss()).isLessThan(0.05);
            assertThat(answers(model, tokenizer)).isEqualTo(CAPITALS);
        }
        List<TrainingEvent.Metrics> metrics = events.stream().filter(TrainingEvent.Metrics.class::isInstance)
                .map(TrainingEvent.Metrics.class::cast).toList();
        assertThat(metrics).hasSize(12);
        assertThat(metrics.get(0).learningRate()).isLessThan(metrics.get(2).learningRate()); // warmup
        assertThat(metrics.get(11).learningRate()).isLessThan(1e-4); // cosine decayed to ~0
        assertThat(metrics.get(11).meanTokenAccuracy()).isEqualTo(1.0);
        assertThat(metrics).allSatisfy(m -> assertThat(m.gradNorm()).isPositive());
        assertThat(events).anySatisfy(e -> assertThat(e).isEqualTo(
                new TrainingEvent.CheckpointSaved(60, out.resolve("checkpoint-60"))));
        assertThat(events.get(events.size() - 1)).isInstanceOf(TrainingEvent.Finished.class);
        assertThat(out.resolve("checkpoint-60/model.safetensors")).exists();
        assertThat(out.resolve("checkpoint-60/trainer_state.json")).content().contains("\"global_step\": 60");
        // The final checkpoint reloads (tokenizer and chat format included) and still answers.
        try (LocalCheckpoint reloaded = LocalCheckpoint.load(out, manager)) {
            assertThat(reloaded.tokenizer()).isInstanceOf(ByteTokenizer.class);
            assertThat(reloaded.chatFormat()).isEqualTo(ChatFormat.PLUMBLINE);
            assertThat(answers(reloaded.model(), reloaded.tokenizer())).isEqualTo(CAPITALS);
        }
    }

    static Map<String, String> answers(LlamaModel model, dev.plumbline.engine.model.tokenizer.Tokenizer tokenizer) {
        List<long[]> prompts = new ArrayList<>();
        for (String country : CAPITALS.keySet()) {
            prompts.add(tokenizer.encode(ChatFormat.PLUMBLINE.render(List.of(ChatTurn.user(question(country))),
                    true), false));
        }
        List<GenerationResult> results = new Generator(model, tokenizer).generate(prompts,
                GenerationSettings.greedy(16), Set.of(tokenizer.tokenId(ByteTokenizer.END).getAsLong()),
                GenerationListener.NONE);
        Map<String, String> answers = new LinkedHashMap<>();
        int i = 0;
        for (String country : CAPITALS.keySet()) {
            answers.put(country, results.get(i++).text());
        }
        return answers;
    }

    @Test
    void sameSeedSameLossesAndAccumulationMatchesOneBigBatch(@TempDir Path tmp) throws IOException {
        List<SftExample> data = SftDataset.read(writeData(tmp));
        SftConfig big = SftConfig.builder().maxSteps(4).batchSize(8).learningRate(2e-3).seed(3).loggingSteps(1)
                .build();
        SftConfig accumulated = big.toBuilder().batchSize(2).gradientAccumulationSteps(4).build();
        List<Double> first = run(big, data);
        List<Double> again = run(big, data);
        List<Double> accumulatedLosses = run(accumulated, data);
        assertThat(again).containsExactlyElementsOf(first);
        for (int i = 0; i < first.size(); i++) {
            // Same examples per step (each epoch is one step), summed in a different order.
            assertThat(accumulatedLosses.get(i)).isCloseTo(first.get(i), org.assertj.core.data.Offset.offset(1e-4));
        }
        // With smaller batches the seed decides which examples share a step.
        SftConfig small = big.toBuilder().batchSize(2).build();
        assertThat(run(small, data)).containsExactlyElementsOf(run(small, data))
                .isNotEqualTo(run(small.toBuilder().seed(4).build(), data));
    }

    static List<Double> run(SftConfig config, List<SftExample> data) {
        try (LlamaModel model = LlamaModel.initialize(TestModels.tinyConfig(), 5, manager)) {
            int before = model.manager().getManagedArrays().size();
            List<Double> losses = new SftTrainer(model, new ByteTokenizer(), ChatFormat.PLUMBLINE, config, null)
                    .train(data, null).stepLosses();
            // Steps, gradients handles and optimizer state are all released.
            assertThat(model.manager().getManagedArrays()).hasSize(before);
            return losses;
        }
    }

    @Test
    void badJsonlNamesFileLineAndField(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("bad.jsonl");
        assertError(file, List.of("{\"prompt\": \"a\", \"completion\": \"b\"}", "", "{\"prompt\": \"a\""),
                file + ":3", "malformed JSON");
        assertError(file, List.of("{\"prompt\": \"a\"}"), file + ":1 completion", "is required");
        assertError(file, List.of("{\"prompt\": 5, \"completion\": \"b\"}"), file + ":1 prompt", "expected a string");
        assertError(file, List.of("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"},"
                + " {\"role\": \"bot\", \"content\": \"x\"}]}"), file + ":1 messages[1].role", "bot");
        assertError(file, List.of("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"), file + ":1 messages",
                "no assistant message");
        assertError(file, List.of("{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}], \"completion\": "
                + "[{\"role\": \"user\", \"content\": \"x\"}]}"), file + ":1 completion[0].role", "assistant");
        assertError(file, List.of("{\"question\": \"q\"}"), file + ":1", "expected \"prompt\"");
        assertError(file, List.of("[1, 2]"), file + ":1", "expected a JSON object");
        assertError(file, List.of("", "  "), file.toString(), "no examples");
    }

    static void assertError(Path file, List<String> lines, String field, String message) throws IOException {
        Files.write(file, lines);
        assertThatThrownBy(() -> SftDataset.read(file))
                .isInstanceOfSatisfying(dev.plumbline.spi.InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageContaining(message);
    }

    @Test
    void allFormatsEncodeTheirCompletionAsTargets() {
        ByteTokenizer t = new ByteTokenizer();
        dev.plumbline.engine.model.train.SftEncoder encoder =
                new dev.plumbline.engine.model.train.SftEncoder(t, ChatFormat.PLUMBLINE, true, 1024);
        ScoredSequence plain = encoder.encode(new SftExample.PromptCompletion("x:1", "2+2=", "4"));
        assertThat(plain.tokens()).containsExactly(ByteTokenizer.BOS_ID, '2', '+', '2', '=', '4', ByteTokenizer.EOS_ID);
        assertThat(plain.targets()).containsExactly(false, false, false, false, false, true, true);
        ScoredSequence chat = encoder.encode(new SftExample.ChatPromptCompletion("x:2",
                List.of(ChatTurn.user("hi"), ChatTurn.assistant("yo"), ChatTurn.user("q")),
                List.of(ChatTurn.assistant("ok"))));
        // Only the completion's reply and its end marker are targets, not the reply inside the prompt.
        assertThat(t.decode(targetTokens(chat), false)).isEqualTo("ok<|end|>");
        ScoredSequence convo = encoder.encode(new SftExample.Conversation("x:3",
                List.of(ChatTurn.user("hi"), ChatTurn.assistant("yo"), ChatTurn.user("q"), ChatTurn.assistant("ok"))));
        assertThat(t.decode(targetTokens(convo), false)).isEqualTo("yo<|end|>ok<|end|>");
        ScoredSequence truncated = new dev.plumbline.engine.model.train.SftEncoder(t, ChatFormat.PLUMBLINE, false, 4)
                .encode(new SftExample.PlainText("x:4", "abcdef"));
        assertThat(truncated.tokens()).containsExactly(ByteTokenizer.BOS_ID, 'a', 'b', 'c');
        assertThat(truncated.targets()).containsExactly(false, true, true, true);
    }

    static long[] targetTokens(ScoredSequence s) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < s.length(); i++) {
            if (s.targets()[i]) {
                out.add(s.tokens()[i]);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }
}
