package dev.plumbline.server.model;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import ai.djl.ndarray.NDManager;
import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.ModelEngine;
import dev.plumbline.engine.model.RopeScaling;
import dev.plumbline.engine.model.chat.ChatFormat;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.train.SftConfig;
import dev.plumbline.engine.model.train.SftDataset;
import dev.plumbline.engine.model.train.SftResult;
import dev.plumbline.engine.model.train.SftTrainer;
import dev.plumbline.proto.v1.ChatMessage;
import dev.plumbline.proto.v1.GenerateRequest;
import dev.plumbline.proto.v1.GenerateResponse;
import dev.plumbline.proto.v1.GenerationSettings;
import dev.plumbline.proto.v1.ListModelsRequest;
import dev.plumbline.proto.v1.ModelInfo;
import dev.plumbline.proto.v1.ModelServiceGrpc;
import dev.plumbline.server.grpc.TestChannels;
import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A tiny Llama SFT-trained here on a synthetic task (capitals), saved in the Hugging Face layout
 * under the models directory, then served by the "local" provider through ModelService.Generate
 * and the OpenAI-compatible /v1/chat/completions.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalModelServingTest {

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

    static final String MODEL = "capitals-sft";

    SftResult trained;

    @BeforeAll
    void trainTinyModel() throws Exception {
        Path models = Path.of(ConfigProvider.getConfig().getValue("plumbline.data-dir", String.class)).resolve("models");
        Path out = models.resolve(MODEL);
        Files.createDirectories(out);
        List<String> lines = new ArrayList<>();
        CAPITALS.forEach((country, capital) -> lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"Capital of "
                + country + "?\"}, {\"role\": \"assistant\", \"content\": \"" + capital + "\"}]}"));
        Path data = Files.write(models.resolveSibling("capitals.jsonl"), lines);
        LlamaConfig config = new LlamaConfig(ByteTokenizer.VOCAB_SIZE, 64, 128, 2, 4, 2, 16, 128, 1e-6, 10000.0,
                RopeScaling.NONE, false, ByteTokenizer.BOS_ID, List.of(ByteTokenizer.EOS_ID), ByteTokenizer.PAD_ID, 0.02,
                "float32");
        SftConfig sft = SftConfig.builder().maxSteps(120).batchSize(8).learningRate(3e-3).warmupRatio(0.1)
                .weightDecay(0.01).maxGradNorm(1.0).seed(7).loggingSteps(20).build();
        try (NDManager manager = ModelEngine.newManager(); LlamaModel model = LlamaModel.initialize(config, 1, manager)) {
            trained = new SftTrainer(model, new ByteTokenizer(), ChatFormat.PLUMBLINE, sft, e -> {})
                    .train(SftDataset.read(data), out);
        }
    }

    @Test
    void sftReachedTheStatedLoss() {
        assertThat(trained.finalLoss()).as("final SFT loss").isLessThan(0.05);
    }

    @Test
    void answersThroughModelServiceGenerate() {
        ManagedChannel channel = TestChannels.open();
        try {
            ModelServiceGrpc.ModelServiceBlockingStub models = ModelServiceGrpc.newBlockingStub(channel);
            assertThat(models.listModels(ListModelsRequest.newBuilder().setProvider("local").build()).getModelsList())
                    .extracting(ModelInfo::getId).contains(MODEL);
            CAPITALS.forEach((country, capital) -> {
                StringBuilder text = new StringBuilder();
                models.generate(GenerateRequest.newBuilder().setModel(MODEL)
                                .addMessages(ChatMessage.newBuilder().setRole("user").setContent("Capital of " + country + "?"))
                                .setSettings(GenerationSettings.newBuilder().setMaxNewTokens(16)).build())
                        .forEachRemaining((GenerateResponse r) -> text.append(r.getTextDelta()));
                assertThat(text.toString()).as(country).isEqualTo(capital);
            });
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void answersThroughTheOpenAiEndpoint() {
        given().get("/v1/models").then().statusCode(200).body("data.id", hasItem(MODEL));
        given().contentType("application/json")
                .body("{\"model\":\"" + MODEL + "\",\"temperature\":0,\"max_tokens\":16,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Capital of Kenya?\"}]}")
                .post("/v1/chat/completions").then().statusCode(200)
                .body("choices[0].message.content", equalTo("Nairobi"))
                .body("choices[0].finish_reason", equalTo("stop"));
    }
}
