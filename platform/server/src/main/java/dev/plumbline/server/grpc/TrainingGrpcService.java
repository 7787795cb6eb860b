package dev.plumbline.server.grpc;

import dev.plumbline.engine.run.RunKind;
import dev.plumbline.proto.v1.*;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

@GrpcService
public class TrainingGrpcService implements TrainingService {

    private final RunRpcs runs;

    public TrainingGrpcService(RunRpcs runs) {
        this.runs = runs;
    }

    @Override
    public Uni<StartTrainingResponse> startTraining(StartTrainingRequest request) {
        return Uni.createFrom().failure(GrpcErrors.notYet("TrainingService.StartTraining"));
    }

    @Override
    @Blocking
    public Multi<TrainingServiceWatchRunResponse> watchRun(TrainingServiceWatchRunRequest request) {
        return Multi.createFrom().deferred(() -> runs.watch(RunKind.TRAINING, request.getRunId(), request.getAfterSequence()))
                .map(e -> TrainingServiceWatchRunResponse.newBuilder().setEvent(e).build());
    }

    @Override
    @Blocking
    public Uni<TrainingServiceGetRunResponse> getRun(TrainingServiceGetRunRequest request) {
        return Uni.createFrom().item(() -> TrainingServiceGetRunResponse.newBuilder()
                .setRun(runs.get(RunKind.TRAINING, request.getRunId())).build());
    }

    @Override
    @Blocking
    public Uni<TrainingServiceListRunsResponse> listRuns(TrainingServiceListRunsRequest request) {
        return Uni.createFrom().item(() -> {
            RunRpcs.Page page = runs.list(RunKind.TRAINING, request.getState(), request.getPageSize(), request.getPageToken());
            return TrainingServiceListRunsResponse.newBuilder().addAllRuns(page.runs())
                    .setNextPageToken(page.nextPageToken()).build();
        });
    }

    @Override
    @Blocking
    public Uni<TrainingServiceCancelRunResponse> cancelRun(TrainingServiceCancelRunRequest request) {
        return Uni.createFrom().item(() -> TrainingServiceCancelRunResponse.newBuilder()
                .setRun(runs.cancel(RunKind.TRAINING, request.getRunId(), request.getReason())).build());
    }
}
