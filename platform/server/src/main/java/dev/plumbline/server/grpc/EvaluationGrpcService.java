package dev.plumbline.server.grpc;

import dev.plumbline.engine.run.RunKind;
import dev.plumbline.proto.v1.*;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

@GrpcService
public class EvaluationGrpcService implements EvaluationService {

    private final RunRpcs runs;

    public EvaluationGrpcService(RunRpcs runs) {
        this.runs = runs;
    }

    @Override
    public Uni<StartEvaluationResponse> startEvaluation(StartEvaluationRequest request) {
        return Uni.createFrom().failure(GrpcErrors.notYet("EvaluationService.StartEvaluation"));
    }

    @Override
    public Uni<GetReportResponse> getReport(GetReportRequest request) {
        return Uni.createFrom().failure(GrpcErrors.notYet("EvaluationService.GetReport"));
    }

    @Override
    @Blocking
    public Multi<EvaluationServiceWatchRunResponse> watchRun(EvaluationServiceWatchRunRequest request) {
        return Multi.createFrom().deferred(() -> runs.watch(RunKind.EVALUATION, request.getRunId(), request.getAfterSequence()))
                .map(e -> EvaluationServiceWatchRunResponse.newBuilder().setEvent(e).build());
    }

    @Override
    @Blocking
    public Uni<EvaluationServiceGetRunResponse> getRun(EvaluationServiceGetRunRequest request) {
        return Uni.createFrom().item(() -> EvaluationServiceGetRunResponse.newBuilder()
                .setRun(runs.get(RunKind.EVALUATION, request.getRunId())).build());
    }

    @Override
    @Blocking
    public Uni<EvaluationServiceListRunsResponse> listRuns(EvaluationServiceListRunsRequest request) {
        return Uni.createFrom().item(() -> {
            RunRpcs.Page page = runs.list(RunKind.EVALUATION, request.getState(), request.getPageSize(), request.getPageToken());
            return EvaluationServiceListRunsResponse.newBuilder().addAllRuns(page.runs())
                    .setNextPageToken(page.nextPageToken()).build();
        });
    }

    @Override
    @Blocking
    public Uni<EvaluationServiceCancelRunResponse> cancelRun(EvaluationServiceCancelRunRequest request) {
        return Uni.createFrom().item(() -> EvaluationServiceCancelRunResponse.newBuilder()
                .setRun(runs.cancel(RunKind.EVALUATION, request.getRunId(), request.getReason())).build());
    }
}
