package dev.plumbline.server.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.engine.run.RunKind;
import dev.plumbline.engine.run.RunState;
import dev.plumbline.proto.v1.EvaluationServiceGetRunRequest;
import dev.plumbline.proto.v1.EvaluationServiceGrpc;
import dev.plumbline.proto.v1.Run;
import dev.plumbline.proto.v1.RunEvent;
import dev.plumbline.proto.v1.RunEventType;
import dev.plumbline.proto.v1.TrainingServiceCancelRunRequest;
import dev.plumbline.proto.v1.TrainingServiceGetRunRequest;
import dev.plumbline.proto.v1.TrainingServiceGrpc;
import dev.plumbline.proto.v1.TrainingServiceListRunsRequest;
import dev.plumbline.proto.v1.TrainingServiceListRunsResponse;
import dev.plumbline.proto.v1.TrainingServiceWatchRunRequest;
import dev.plumbline.proto.v1.TrainingServiceWatchRunResponse;
import dev.plumbline.server.grpc.TestChannels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The persisted run model through the shared run RPCs (runs are created through the store until StartTraining lands). */
@QuarkusTest
class RunServiceTest {

    @Inject
    RunStore store;

    ManagedChannel channel;
    TrainingServiceGrpc.TrainingServiceBlockingStub training;

    @BeforeEach
    void connect() {
        channel = TestChannels.open();
        training = TrainingServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    @Test
    void getRunReturnsThePersistedRun() {
        RunSnapshot created = store.create(RunKind.TRAINING, "dpo-tiny", "{\"algorithm\":\"dpo\"}", 10);
        store.transition(RunKind.TRAINING, created.id(), RunState.RUNNING, null);
        store.progress(RunKind.TRAINING, created.id(), 3, 10);
        store.metrics(RunKind.TRAINING, created.id(), 3, Map.of("loss", 0.5, "rewards/margins", 0.25));

        Run run = training.getRun(TrainingServiceGetRunRequest.newBuilder().setRunId(created.id()).build()).getRun();
        assertThat(run.getState()).isEqualTo(dev.plumbline.proto.v1.RunState.RUN_STATE_RUNNING);
        assertThat(run.getName()).isEqualTo("dpo-tiny");
        assertThat(run.getConfigJson()).isEqualTo("{\"algorithm\":\"dpo\"}");
        assertThat(run.getProgressDone()).isEqualTo(3);
        assertThat(run.getLatestMetricsMap()).containsEntry("rewards/margins", 0.25);
        assertThat(run.hasStartTime()).isTrue();
        assertThat(run.hasEndTime()).isFalse();
    }

    @Test
    void unknownRunIsNotFoundAndRunsAreSeparatedByKind() {
        RunSnapshot trainingRun = store.create(RunKind.TRAINING, "", "{}", 0);
        assertThatThrownBy(() -> training.getRun(TrainingServiceGetRunRequest.newBuilder().setRunId("nope").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(TestChannels.field(e)).isEqualTo("run_id");
                });
        assertThatThrownBy(() -> EvaluationServiceGrpc.newBlockingStub(channel)
                .getRun(EvaluationServiceGetRunRequest.newBuilder().setRunId(trainingRun.id()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> training.getRun(TrainingServiceGetRunRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(TestChannels.field(e)).isEqualTo("run_id");
                });
    }

    @Test
    void cancelFollowsTheStateMachine() {
        RunSnapshot queued = store.create(RunKind.TRAINING, "to-cancel", "{}", 0);
        Run cancelled = training.cancelRun(TrainingServiceCancelRunRequest.newBuilder()
                .setRunId(queued.id()).setReason("user changed mind").build()).getRun();
        assertThat(cancelled.getState()).isEqualTo(dev.plumbline.proto.v1.RunState.RUN_STATE_CANCELLED);
        assertThat(cancelled.getError()).contains("user changed mind");
        assertThat(cancelled.hasEndTime()).isTrue();

        assertThatThrownBy(() -> training.cancelRun(TrainingServiceCancelRunRequest.newBuilder()
                .setRunId(queued.id()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("CANCELLED");
                });
    }

    @Test
    void listRunsFiltersByStateAndPages() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RunSnapshot r = store.create(RunKind.TRAINING, "page-" + i, "{}", 0);
            store.transition(RunKind.TRAINING, r.id(), RunState.RUNNING, null);
            store.transition(RunKind.TRAINING, r.id(), RunState.FAILED, "boom " + i);
            ids.add(r.id());
        }
        List<String> seen = new ArrayList<>();
        String token = "";
        do {
            TrainingServiceListRunsResponse page = training.listRuns(TrainingServiceListRunsRequest.newBuilder()
                    .setState(dev.plumbline.proto.v1.RunState.RUN_STATE_FAILED).setPageSize(2).setPageToken(token).build());
            assertThat(page.getRunsCount()).isLessThanOrEqualTo(2);
            page.getRunsList().forEach(r -> {
                assertThat(r.getState()).isEqualTo(dev.plumbline.proto.v1.RunState.RUN_STATE_FAILED);
                seen.add(r.getId());
            });
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        assertThat(seen).containsAll(ids).doesNotHaveDuplicates();

        assertThatThrownBy(() -> training.listRuns(TrainingServiceListRunsRequest.newBuilder().setPageToken("x").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(TestChannels.field(e)).isEqualTo("page_token");
                });
    }

    @Test
    void watchRunStreamsEveryEventOnceAndEndsWithTheRun() throws Exception {
        RunSnapshot r = store.create(RunKind.TRAINING, "watched", "{}", 2);
        CompletableFuture<List<RunEvent>> streamed = CompletableFuture.supplyAsync(() -> {
            List<RunEvent> events = new ArrayList<>();
            Iterator<TrainingServiceWatchRunResponse> it = training.watchRun(
                    TrainingServiceWatchRunRequest.newBuilder().setRunId(r.id()).build());
            it.forEachRemaining(e -> events.add(e.getEvent()));
            return events;
        });
        store.transition(RunKind.TRAINING, r.id(), RunState.RUNNING, null);
        store.progress(RunKind.TRAINING, r.id(), 1, 2);
        store.metrics(RunKind.TRAINING, r.id(), 1, Map.of("loss", 0.7));
        store.progress(RunKind.TRAINING, r.id(), 2, 2);
        store.transition(RunKind.TRAINING, r.id(), RunState.SUCCEEDED, null);

        List<RunEvent> events = streamed.get(30, TimeUnit.SECONDS);
        assertThat(events).extracting(RunEvent::getSequence).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(events.get(3).getType()).isEqualTo(RunEventType.RUN_EVENT_TYPE_METRICS);
        assertThat(events.get(3).getMetricsMap()).containsEntry("loss", 0.7);
        assertThat(events.get(5).getState()).isEqualTo(dev.plumbline.proto.v1.RunState.RUN_STATE_SUCCEEDED);

        // A client that reconnects after sequence 4 gets exactly the rest.
        List<RunEvent> rest = new ArrayList<>();
        training.watchRun(TrainingServiceWatchRunRequest.newBuilder().setRunId(r.id()).setAfterSequence(4).build())
                .forEachRemaining(e -> rest.add(e.getEvent()));
        assertThat(rest).extracting(RunEvent::getSequence).containsExactly(5L, 6L);
    }
}
