package dev.plumbline.server.grpc;

import dev.plumbline.proto.v1.GetLeaderboardRequest;
import dev.plumbline.proto.v1.GetLeaderboardResponse;
import dev.plumbline.proto.v1.LeaderboardService;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

@GrpcService
public class LeaderboardGrpcService implements LeaderboardService {

    @Override
    public Uni<GetLeaderboardResponse> getLeaderboard(GetLeaderboardRequest request) {
        return Uni.createFrom().failure(GrpcErrors.notYet("LeaderboardService.GetLeaderboard"));
    }
}
