package dev.plumbline.server.grpc;

import dev.plumbline.proto.v1.CompareRequest;
import dev.plumbline.proto.v1.CompareResponse;
import dev.plumbline.proto.v1.JudgeService;
import dev.plumbline.proto.v1.ScoreRequest;
import dev.plumbline.proto.v1.ScoreResponse;
import dev.plumbline.proto.v1.ScoreStreamRequest;
import dev.plumbline.proto.v1.ScoreStreamResponse;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

@GrpcService
public class JudgeGrpcService implements JudgeService {

    @Override
    public Uni<ScoreResponse> score(ScoreRequest request) {
        return Uni.createFrom().failure(GrpcErrors.notYet("JudgeService.Score"));
    }

    @Override
    public Uni<CompareResponse> compare(CompareRequest request) {
        return Uni.createFrom().failure(GrpcErrors.notYet("JudgeService.Compare"));
    }

    @Override
    public Multi<ScoreStreamResponse> scoreStream(Multi<ScoreStreamRequest> request) {
        return Multi.createFrom().failure(GrpcErrors.notYet("JudgeService.ScoreStream"));
    }
}
