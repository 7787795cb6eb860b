package dev.plumbline.server.grpc;

import dev.plumbline.engine.run.RunKind;
import dev.plumbline.proto.v1.*;
import com.google.protobuf.ByteString;
import dev.plumbline.server.eval.EvaluationConfig;

import dev.plumbline.spi.InvalidInputException;
import io.quarkus.grpc.GrpcService;
import java.util.ArrayList;
import java.util.List;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

@GrpcService
public class EvaluationGrpcService implements EvaluationService {

    private final RunRpcs runs;
    private final dev.plumbline.server.eval.EvaluationService evaluations;

    public EvaluationGrpcService(RunRpcs runs, dev.plumbline.server.eval.EvaluationService evaluations) {
        this.runs = runs;
        this.evaluations = evaluations;
    }

    @Override
    @Blocking
    public Uni<StartEvaluationResponse> startEvaluation(StartEvaluationRequest request) {
        return Uni.createFrom().item(() -> {
            List<EvaluationConfig.CandidateConfig> candidates = new ArrayList<>();
            for (Candidate c : request.getCandidatesList()) {
                candidates.add(new EvaluationConfig.CandidateConfig(c.getName(),
                        c.getSourceCase() == Candidate.SourceCase.MODEL ? c.getModel() : null,
                        c.getSourceCase() == Candidate.SourceCase.RESPONSES_FILE ? c.getResponsesFile() : null));
            }
            EvaluationConfig config = new EvaluationConfig(request.getSuite(), candidates, request.getSeed(), request.getLimit(),
                    ProtoMapping.values(request.getParametersMap(), "parameters"), request.getName(), null);
            return StartEvaluationResponse.newBuilder().setRun(ProtoMapping.run(evaluations.start(config))).build();
        });
    }

    @Override
    @Blocking
    public Uni<GetReportResponse> getReport(GetReportRequest request) {
        return Uni.createFrom().item(() -> {
            boolean csv = switch (request.getFormat()) {
                case REPORT_FORMAT_CSV -> true;
                case REPORT_FORMAT_JSON, REPORT_FORMAT_UNSPECIFIED -> false;
                default -> throw new InvalidInputException("format", "unknown report format " + request.getFormatValue());
            };
            String content = csv ? evaluations.reportCsv(request.getRunId()) : evaluations.reportJson(request.getRunId());
            return GetReportResponse.newBuilder().setContentType(csv ? "text/csv" : "application/json")
                    .setContent(ByteString.copyFromUtf8(content)).build();
        });
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
                .setRun(ProtoMapping.run(evaluations.cancel(request.getRunId(), request.getReason()))).build());
    }
}
