package dev.plumbline.server.grpc;

import dev.plumbline.proto.v1.GetLeaderboardRequest;
import dev.plumbline.proto.v1.GetLeaderboardResponse;
import dev.plumbline.proto.v1.LeaderboardEntry;
import dev.plumbline.proto.v1.LeaderboardService;
import dev.plumbline.proto.v1.MetricValue;
import dev.plumbline.proto.v1.WinRateRow;
import dev.plumbline.server.eval.RunSummary.MetricSummary;
import dev.plumbline.server.leaderboard.Leaderboard;
import dev.plumbline.server.leaderboard.LeaderboardBuilder;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;

@GrpcService
public class LeaderboardGrpcService implements LeaderboardService {

    private final LeaderboardBuilder leaderboards;

    public LeaderboardGrpcService(LeaderboardBuilder leaderboards) {
        this.leaderboards = leaderboards;
    }

    @Override
    @Blocking
    public Uni<GetLeaderboardResponse> getLeaderboard(GetLeaderboardRequest request) {
        return Uni.createFrom().item(() -> response(leaderboards.build(request.getSuite(), request.getMetric())));
    }

    static GetLeaderboardResponse response(Leaderboard board) {
        GetLeaderboardResponse.Builder out = GetLeaderboardResponse.newBuilder().setSuite(board.suite()).setMetric(board.metric());
        for (Leaderboard.Entry e : board.entries()) {
            LeaderboardEntry.Builder entry = LeaderboardEntry.newBuilder().setRank(e.rank()).setModel(e.model())
                    .addAllRunIds(e.runIds());
            if (e.rating() != null) {
                entry.setRating(e.rating()).setRatingCiLow(e.ratingCiLow()).setRatingCiHigh(e.ratingCiHigh());
            }
            e.metrics().forEach((name, m) -> entry.putMetrics(name, metric(m)));
            out.addEntries(entry);
        }
        for (int i = 0; i < board.winRateModels().size(); i++) {
            WinRateRow.Builder row = WinRateRow.newBuilder().setModel(board.winRateModels().get(i));
            for (double v : board.winRates()[i]) {
                row.addValues(v);
            }
            out.addWinRates(row);
        }
        return out.build();
    }

    private static MetricValue metric(MetricSummary m) {
        return MetricValue.newBuilder().setValue(m.value())
                .setCiLow(m.ciLow() == null ? Double.NaN : m.ciLow())
                .setCiHigh(m.ciHigh() == null ? Double.NaN : m.ciHigh())
                .setCount(m.count()).setFailures(m.failures()).build();
    }
}
