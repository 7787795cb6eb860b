package dev.plumbline.server.grpc;

import dev.plumbline.engine.run.RunKind;
import dev.plumbline.proto.v1.*;
import dev.plumbline.server.train.TrainingConfig;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

@GrpcService
public class TrainingGrpcService implements TrainingService {

    private final RunRpcs runs;
    private final dev.plumbline.server.train.TrainingService trainings;

    public TrainingGrpcService(RunRpcs runs, dev.plumbline.server.train.TrainingService trainings) {
        this.runs = runs;
        this.trainings = trainings;
    }

    @Override
    @Blocking // plans the run: reads the base checkpoint's config and every data set line
    public Uni<StartTrainingResponse> startTraining(StartTrainingRequest request) {
        return Uni.createFrom().item(() -> {
            TrainingConfig config = new TrainingConfig(request.getAlgorithm(),
                    ProtoMapping.values(request.getParametersMap(), "parameters"), request.getBaseModel(),
                    request.getDataset(), request.getPromptSet(), request.getJudge(),
                    ProtoMapping.values(request.getJudgeParametersMap(), "judge_parameters"), request.getSeed(),
                    request.getOutput(), ProtoMapping.values(request.getTrainerMap(), "trainer"), request.getName());
            return StartTrainingResponse.newBuilder().setRun(ProtoMapping.run(trainings.start(config))).build();
        });
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
                .setRun(ProtoMapping.run(trainings.cancel(request.getRunId(), request.getReason()))).build());
    }
}
