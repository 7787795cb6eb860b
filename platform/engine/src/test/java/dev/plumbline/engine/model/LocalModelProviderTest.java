package dev.plumbline.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.chat.ChatFormat;
import dev.plumbline.engine.model.chat.ChatTemplates;
import dev.plumbline.engine.model.checkpoint.LocalCheckpoint;
import dev.plumbline.engine.model.local.LocalLanguageModel;
import dev.plumbline.engine.model.local.LocalModelProvider;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.train.SftConfig;
import dev.plumbline.engine.model.train.SftDataset;
import dev.plumbline.engine.model.train.SftTrainer;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.ProviderContext;
import dev.plumbline.spi.SequenceLogProbs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalModelProviderTest {

    @TempDir
    static Path models;

    static ProviderContext context;
    static final LocalModelProvider PROVIDER = new LocalModelProvider();

    /** Trains the capitals model once and lays out a models directory around it. */
    @BeforeAll
    static void trainModels() throws IOException {
        context = new ProviderContext(models, Map.of());
        try (NDManager manager = ModelEngine.newManager();
                LlamaModel model = LlamaModel.initialize(TestModels.tinyConfig(), 1, manager)) {
            SftConfig config = SftConfig.builder().maxSteps(120).batchSize(8).learningRate(3e-3).warmupRatio(0.1)
                    .seed(7).build();
            new SftTrainer(model, new ByteTokenizer(), ChatFormat.PLUMBLINE, config, null)
                    .train(SftDataset.read(SftTrainerTest.writeData(models)), models.resolve("tiny/capitals"));
            // A trainer's intermediate checkpoint inside the model directory: opens by id, is not listed.
            LocalCheckpoint.save(models.resolve("tiny/capitals/checkpoint-60"), model, new ByteTokenizer());
            // The same weights behind the Hugging Face tokenizer path: tokenizer.json + a chat template.
            Path hf = models.resolve("hf-capitals");
            LocalCheckpoint.save(hf, model, new ByteTokenizer());
            Files.writeString(hf.resolve("tokenizer_config.json"), "{\"bos_token\": \"<bos>\", \"eos_token\": "
                    + "\"<eos>\", \"pad_token\": \"<pad>\", \"chat_template\": "
                    + com.google.gson.JsonParser.parseString("\"x\"").getAsJsonPrimitive().toString()
                            .replace("x", ChatTemplates.PLUMBLINE_JINJA.replace("\\", "\\\\").replace("\"", "\\\""))
                    + "}");
        }
        Files.createDirectories(models.resolve("broken"));
        Files.writeString(models.resolve("broken/config.json"), "{\"hidden_size\": true}");
        Files.createDirectories(models.resolve("not-a-model"));
    }

    @Test
    void trainingCheckpointsInsideAModelAreNotListedButOpenById() {
        assertThat(PROVIDER.listModels(context)).extracting(ModelDescriptor::id)
                .doesNotContain("tiny/capitals/checkpoint-60");
        try (LanguageModel m = PROVIDER.open("tiny/capitals/checkpoint-60", context)) {
            assertThat(m.descriptor().id()).isEqualTo("tiny/capitals/checkpoint-60");
        }
    }

    @Test
    void isRegisteredAsTheLocalProvider() {
        assertThat(PluginRegistry.discover().find("local")).get().isInstanceOf(LocalModelProvider.class);
    }

    @Test
    void listsCheckpointDirectoriesByRelativePathAndSkipsBrokenOnes() {
        List<ModelDescriptor> listed = PROVIDER.listModels(context);
        assertThat(listed).extracting(ModelDescriptor::id).containsExactly("hf-capitals", "tiny/capitals");
        ModelDescriptor d = listed.get(1);
        assertThat(d.provider()).isEqualTo("local");
        assertThat(d.contextLength()).isEqualTo(128);
        assertThat(d.metadata()).containsEntry("architecture", "llama").containsEntry("layers", "2");
        assertThat(PROVIDER.listModels(new ProviderContext(models.resolve("missing"), Map.of()))).isEmpty();
    }

    @Test
    void unknownOrEscapingIdsAreClientErrors() {
        for (String id : List.of("nope", "../etc", "/abs/path", "not-a-model", "")) {
            assertThatThrownBy(() -> PROVIDER.open(id, context)).isInstanceOfSatisfying(InvalidInputException.class,
                    e -> assertThat(e.field()).isEqualTo("model"));
        }
        assertThatThrownBy(() -> PROVIDER.open("broken", context)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("hidden_size");
    }

    @Test
    void chatsStreamsAndAnswers() {
        for (String id : List.of("tiny/capitals", "hf-capitals")) {
            try (LanguageModel model = PROVIDER.open(id, context)) {
                StringBuilder streamed = new StringBuilder();
                Generation g = model.chat(List.of(ChatTurn.user("Capital of Peru?")), GenerationSettings.greedy(20),
                        streamed::append);
                assertThat(g.text()).as(id).isEqualTo("Lima");
                assertThat(streamed.toString()).isEqualTo("Lima");
                assertThat(g.finishedByLength()).isFalse();
                assertThat(g.tokenIds()).hasSize(5); // L i m a <|end|>
                // <|user|> \n "Capital of Peru?" <|end|> \n <|assistant|> \n: 3 special tokens + 19 bytes
                assertThat(g.promptTokens()).isEqualTo(22);
            }
        }
    }

    @Test
    void seededSamplingIsReproducibleAndRawCompletionWorks() {
        try (LanguageModel model = PROVIDER.open("tiny/capitals", context)) {
            GenerationSettings hot = new GenerationSettings(1.5, 12, 0, 1.0, List.of(), 42L);
            String a = model.chat(List.of(ChatTurn.user("Tell me a story")), hot, null).text();
            String b = model.chat(List.of(ChatTurn.user("Tell me a story")), hot, null).text();
            assertThat(a).isEqualTo(b);
            Generation raw = model.complete("Capital of", GenerationSettings.greedy(6), null);
            assertThat(raw.promptTokens()).isEqualTo(11); // <bos> + 10 bytes
            assertThat(raw.tokenIds()).isNotEmpty();
        }
    }

    @Test
    void logProbsPreferTheTrainedAnswer() {
        try (LanguageModel model = PROVIDER.open("tiny/capitals", context)) {
            List<ChatTurn> q = List.of(ChatTurn.user("Capital of Japan?"));
            List<SequenceLogProbs> lp = model.logProbs(List.of(q, q), List.of("Tokyo", "Paris"));
            assertThat(lp.get(0).tokens()).containsExactly("T", "o", "k", "y", "o");
            assertThat(lp.get(0).tokenLogProbs()).allSatisfy(v -> assertThat(v).isLessThanOrEqualTo(0.0));
            assertThat(lp.get(0).total()).isGreaterThan(-0.5);
            assertThat(lp.get(1).total()).isLessThan(lp.get(0).total() - 5);
            assertThatThrownBy(() -> model.logProbs(List.of(q), List.of(""))).isInstanceOfSatisfying(
                    InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("completions[0]"));
        }
    }

    @Test
    void promptsBeyondTheContextAreRejectedNotTruncated() {
        try (LanguageModel model = PROVIDER.open("tiny/capitals", context)) {
            String longText = "x".repeat(200);
            assertThatThrownBy(() -> model.chat(List.of(ChatTurn.user(longText)), GenerationSettings.greedy(4), null))
                    .isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.field()).isEqualTo("messages"))
                    .hasMessageContaining("context is 128 tokens");
            // Max new tokens is cut to the room left.
            Generation g = model.complete("x".repeat(120), new GenerationSettings(1.0, 50, 0, 1.0, List.of(), 1L),
                    null);
            assertThat(g.tokenIds().size()).isLessThanOrEqualTo(7);
        }
    }

    @Test
    void concurrentCallsAgreeWithSequentialOnes() throws Exception {
        try (LocalLanguageModel model = (LocalLanguageModel) PROVIDER.open("tiny/capitals", context)) {
            List<String> countries = List.copyOf(SftTrainerTest.CAPITALS.keySet());
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> futures = countries.stream().map(c -> pool.submit(() -> model.chat(
                        List.of(ChatTurn.user(SftTrainerTest.question(c))), GenerationSettings.greedy(16), null)
                        .text())).toList();
                for (int i = 0; i < countries.size(); i++) {
                    assertThat(futures.get(i).get()).isEqualTo(SftTrainerTest.CAPITALS.get(countries.get(i)));
                }
            } finally {
                pool.shutdown();
            }
            model.close();
            assertThatThrownBy(() -> model.chat(List.of(ChatTurn.user("x")), GenerationSettings.greedy(2), null))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }
}
