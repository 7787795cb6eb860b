package dev.plumbline.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Health, reflection, metrics and error conventions of the v1 contract. */
@QuarkusTest
class GrpcContractTest {

    static final List<String> V1_SERVICES = List.of("plumbline.v1.PluginService", "plumbline.v1.LossService",
            "plumbline.v1.JudgeService", "plumbline.v1.ModelService", "plumbline.v1.TrainingService",
            "plumbline.v1.EvaluationService", "plumbline.v1.LeaderboardService");

    ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = TestChannels.open();
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    @Test
    void standardHealthServiceReportsServing() {
        HealthCheckResponse overall = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
        assertThat(overall.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        for (String service : V1_SERVICES) {
            assertThat(HealthGrpc.newBlockingStub(channel)
                    .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus())
                    .as(service).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        }
    }

    @Test
    void reflectionListsAllSevenServicesAndHealth() throws Exception {
        CompletableFuture<List<String>> names = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse r) {
                        names.complete(r.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        names.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
        requests.onCompleted();
        assertThat(names.get(20, TimeUnit.SECONDS)).containsAll(V1_SERVICES).contains("grpc.health.v1.Health");
    }

    @Test
    void anEmptyStartTrainingIsInvalidArgumentNamingTheField() {
        assertThatThrownBy(() -> dev.plumbline.proto.v1.TrainingServiceGrpc.newBlockingStub(channel)
                .startTraining(dev.plumbline.proto.v1.StartTrainingRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(TestChannels.field(e)).isEqualTo("algorithm");
                });
    }

    @Test
    void healthAndPrometheusMetricsAreServedOnTheSamePort() {
        RestAssured.given().get("/q/health").then().statusCode(200);
        String metrics = RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("jvm_memory_used_bytes");
    }
}
