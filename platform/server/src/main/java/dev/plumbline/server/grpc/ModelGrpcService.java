package dev.plumbline.server.grpc;

import dev.plumbline.proto.v1.GenerateRequest;
import dev.plumbline.proto.v1.GenerateResponse;
import dev.plumbline.proto.v1.ListModelsRequest;
import dev.plumbline.proto.v1.ListModelsResponse;
import dev.plumbline.proto.v1.LogProbsRequest;
import dev.plumbline.proto.v1.LogProbsResponse;
import dev.plumbline.proto.v1.ModelService;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

@GrpcService
public class ModelGrpcService implements ModelService {

    @Override
    public Uni<ListModelsResponse> listModels(ListModelsRequest request) {
        return Uni.createFrom().failure(GrpcErrors.notYet("ModelService.ListModels"));
    }

    @Override
    public Multi<GenerateResponse> generate(GenerateRequest request) {
        return Multi.createFrom().failure(GrpcErrors.notYet("ModelService.Generate"));
    }

    @Override
    public Uni<LogProbsResponse> logProbs(LogProbsRequest request) {
        return Uni.createFrom().failure(GrpcErrors.notYet("ModelService.LogProbs"));
    }
}
