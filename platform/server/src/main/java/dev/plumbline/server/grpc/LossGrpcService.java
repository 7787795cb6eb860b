package dev.plumbline.server.grpc;

import dev.plumbline.engine.runtime.NativeEngines;
import dev.plumbline.proto.v1.ComputeLossRequest;
import dev.plumbline.proto.v1.ComputeLossResponse;
import dev.plumbline.proto.v1.LossService;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;

@GrpcService
public class LossGrpcService implements LossService {

    @Override
    @Blocking
    public Uni<ComputeLossResponse> computeLoss(ComputeLossRequest request) {
        return Uni.createFrom().item(() -> {
            if (!NativeEngines.pytorch()) {
                throw new FeatureUnavailableException(NativeEngines.missing("LossService.ComputeLoss", "the DJL PyTorch engine"));
            }
            throw GrpcErrors.notYet("LossService.ComputeLoss");
        });
    }
}
