package dev.plumbline.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.proto.v1.ChatMessage;
import dev.plumbline.proto.v1.FinishReason;
import dev.plumbline.proto.v1.GenerateRequest;
import dev.plumbline.proto.v1.GenerateResponse;
import dev.plumbline.proto.v1.GenerationSettings;
import dev.plumbline.proto.v1.ListModelsRequest;
import dev.plumbline.proto.v1.LogProbsItem;
import dev.plumbline.proto.v1.LogProbsRequest;
import dev.plumbline.proto.v1.ModelInfo;
import dev.plumbline.proto.v1.ModelServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ModelServiceTest {

    ManagedChannel channel;
    ModelServiceGrpc.ModelServiceBlockingStub models;

    @BeforeEach
    void connect() {
        channel = TestChannels.open();
        models = ModelServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    static GenerateRequest.Builder chat(String text) {
        return GenerateRequest.newBuilder().setModel("echo")
                .addMessages(ChatMessage.newBuilder().setRole("user").setContent(text));
    }

    @Test
    void listsModelsOfEveryProviderOrOne() {
        assertThat(models.listModels(ListModelsRequest.getDefaultInstance()).getModelsList())
                .extracting(ModelInfo::getId).contains("echo");
        assertThat(models.listModels(ListModelsRequest.newBuilder().setProvider("test-null-models").build())
                .getModelsList()).isEmpty();
    }

    @Test
    void generateStreamsDeltasThenAFinalMessage() {
        List<GenerateResponse> parts = new ArrayList<>();
        models.generate(chat("hi there").setSettings(GenerationSettings.newBuilder().setMaxNewTokens(100)).build())
                .forEachRemaining(parts::add);
        GenerateResponse last = parts.get(parts.size() - 1);
        assertThat(last.getDone()).isTrue();
        assertThat(last.getFinishReason()).isEqualTo(FinishReason.FINISH_REASON_STOP);
        String text = parts.stream().map(GenerateResponse::getTextDelta).reduce("", String::concat);
        assertThat(text).isEqualTo("echo: hi there");
        assertThat(parts.size()).isGreaterThan(2);
        assertThat(last.getCompletionTokens()).isEqualTo(text.length());

        List<GenerateResponse> cut = new ArrayList<>();
        models.generate(chat("hi there").setSettings(GenerationSettings.newBuilder().setMaxNewTokens(4)).build())
                .forEachRemaining(cut::add);
        assertThat(cut.get(cut.size() - 1).getFinishReason()).isEqualTo(FinishReason.FINISH_REASON_LENGTH);
    }

    @Test
    void badGenerateRequestsNameTheField() {
        assertStatus(() -> models.generate(chat("x").setModel("nope").build()).hasNext(), Status.Code.NOT_FOUND, "model");
        assertStatus(() -> models.generate(chat("x").setSettings(GenerationSettings.newBuilder().setTopP(2)).build())
                .hasNext(), Status.Code.INVALID_ARGUMENT, "settings.top_p");
        assertStatus(() -> models.generate(GenerateRequest.newBuilder().setModel("echo")
                .addMessages(ChatMessage.newBuilder().setRole("robot").setContent("x")).build()).hasNext(),
                Status.Code.INVALID_ARGUMENT, "messages[0].role");
    }

    @Test
    void logProbsReturnsOneSequencePerItem() {
        var r = models.logProbs(LogProbsRequest.newBuilder().setModel("echo")
                .addItems(LogProbsItem.newBuilder().setPrompt("q").setCompletion("abc"))
                .addItems(LogProbsItem.newBuilder().setPrompt("q").setCompletion("de")).build());
        assertThat(r.getResultsList()).hasSize(2);
        assertThat(r.getResults(0).getTokenLogprobsList()).hasSize(3);
        assertThat(r.getResults(1).getTotal()).isEqualTo(-2.0);
    }

    private static void assertStatus(Runnable call, Status.Code code, String field) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(TestChannels.field(e)).isEqualTo(field);
        });
    }
}
