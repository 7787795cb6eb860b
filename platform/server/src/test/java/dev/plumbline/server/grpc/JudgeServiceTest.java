package dev.plumbline.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.proto.v1.CompareRequest;
import dev.plumbline.proto.v1.ComparisonPair;
import dev.plumbline.proto.v1.JudgeServiceGrpc;
import dev.plumbline.proto.v1.ParameterValue;
import dev.plumbline.proto.v1.Sample;
import dev.plumbline.proto.v1.ScoreRequest;
import dev.plumbline.proto.v1.ScoreResponse;
import dev.plumbline.proto.v1.ScoreStreamRequest;
import dev.plumbline.proto.v1.ScoreStreamResponse;
import dev.plumbline.proto.v1.Verdict;
import dev.plumbline.proto.v1.VerdictStatus;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class JudgeServiceTest {

    ManagedChannel channel;
    JudgeServiceGrpc.JudgeServiceBlockingStub judges;

    @BeforeEach
    void connect() {
        channel = TestChannels.open();
        judges = JudgeServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    static Sample sample(String id, String response) {
        return Sample.newBuilder().setId(id).setPrompt("Can you help?").setResponse(response).build();
    }

    @Test
    void scoresEverySampleInOrderWithProvenance() {
        ScoreResponse r = judges.score(ScoreRequest.newBuilder().setJudge("test-keyword")
                .putParameters("weight", ParameterValue.newBuilder().setNumberValue(2.5).build())
                .addSamples(sample("a", "yes please")).addSamples(sample("b", "no")).build());
        assertThat(r.getVerdictsList()).extracting(Verdict::getSampleId).containsExactly("a", "b");
        assertThat(r.getVerdicts(0).getStatus()).isEqualTo(VerdictStatus.VERDICT_STATUS_VALID);
        assertThat(r.getVerdicts(0).getValuesMap()).containsEntry("score", 2.5);
        assertThat(r.getVerdicts(1).getValuesMap()).containsEntry("score", 0.0);
        assertThat(r.getVerdicts(0).getProvenance().getJudgeId()).isEqualTo("test-keyword");
    }

    @Test
    void aFailingJudgeGivesErrorVerdictsNotScores() {
        ScoreResponse r = judges.score(ScoreRequest.newBuilder().setJudge("test-exploding")
                .addSamples(sample("a", "x")).addSamples(sample("b", "y")).build());
        assertThat(r.getVerdictsList()).allSatisfy(v -> {
            assertThat(v.getStatus()).isEqualTo(VerdictStatus.VERDICT_STATUS_ERROR);
            assertThat(v.getValuesMap()).isEmpty();
            assertThat(v.getError()).contains("backend unreachable");
        });
    }

    @Test
    void badRequestsNameTheField() {
        assertInvalid(ScoreRequest.newBuilder().setJudge("nope").addSamples(sample("a", "x")).build(), "judge");
        assertInvalid(ScoreRequest.newBuilder().setJudge("test-keyword").build(), "samples");
        assertInvalid(ScoreRequest.newBuilder().setJudge("test-keyword")
                .putParameters("weight", ParameterValue.newBuilder().setNumberValue(11).build())
                .addSamples(sample("a", "x")).build(), "parameters.weight");
        assertInvalid(ScoreRequest.newBuilder().setJudge("test-keyword")
                .addSamples(sample("a", "x")).addSamples(sample("b", "y".repeat(1_100_000))).build(),
                "samples[1].response");
        assertThatThrownBy(() -> judges.compare(CompareRequest.newBuilder().setJudge("test-keyword")
                .addPairs(ComparisonPair.newBuilder().setId("p").setResponseA("a").setResponseB("b")).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("scores single responses");
                });
    }

    private void assertInvalid(ScoreRequest request, String field) {
        assertThatThrownBy(() -> judges.score(request)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(TestChannels.field(e)).isEqualTo(field);
        });
    }

    @Test
    void scoreStreamEchoesIdsInRequestOrderAndSurvivesABadItem() throws Exception {
        int n = 2000;
        CompletableFuture<List<ScoreStreamResponse>> done = new CompletableFuture<>();
        List<ScoreStreamResponse> received = new ArrayList<>();
        StreamObserver<ScoreStreamRequest> out = JudgeServiceGrpc.newStub(channel).scoreStream(new StreamObserver<>() {
            @Override
            public void onNext(ScoreStreamResponse r) {
                received.add(r);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(received);
            }
        });
        for (int i = 0; i < n; i++) {
            ScoreStreamRequest.Builder b = ScoreStreamRequest.newBuilder().setRequestId("r" + i)
                    .setSample(sample("s" + i, i == 7 ? "z".repeat(1_100_000) : i % 2 == 0 ? "please" : "no"));
            if (i == 0) {
                b.setJudge("test-keyword");
            }
            out.onNext(b.build());
        }
        out.onCompleted();
        List<ScoreStreamResponse> responses = done.get(60, TimeUnit.SECONDS);
        assertThat(responses).hasSize(n);
        for (int i = 0; i < n; i++) {
            ScoreStreamResponse r = responses.get(i);
            assertThat(r.getRequestId()).isEqualTo("r" + i);
            if (i == 7) {
                assertThat(r.getVerdict().getStatus()).isEqualTo(VerdictStatus.VERDICT_STATUS_ERROR);
                assertThat(r.getVerdict().getError()).contains("sample.response");
            } else {
                assertThat(r.getVerdict().getValuesMap()).containsEntry("score", i % 2 == 0 ? 1.0 : 0.0);
            }
        }
    }

    @Test
    void scoreStreamWithUnknownJudgeEndsWithInvalidArgument() throws Exception {
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        StreamObserver<ScoreStreamRequest> out = JudgeServiceGrpc.newStub(channel).scoreStream(new StreamObserver<>() {
            @Override
            public void onNext(ScoreStreamResponse r) {}

            @Override
            public void onError(Throwable t) {
                error.complete(t);
            }

            @Override
            public void onCompleted() {
                error.complete(null);
            }
        });
        out.onNext(ScoreStreamRequest.newBuilder().setRequestId("1").setJudge("nope").setSample(sample("a", "x")).build());
        out.onCompleted();
        Throwable t = error.get(30, TimeUnit.SECONDS);
        assertThat(t).isInstanceOf(StatusRuntimeException.class);
        assertThat(((StatusRuntimeException) t).getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(TestChannels.field((StatusRuntimeException) t)).isEqualTo("judge");
    }
}
