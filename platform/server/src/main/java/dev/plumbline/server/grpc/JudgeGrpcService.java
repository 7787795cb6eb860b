package dev.plumbline.server.grpc;

import dev.plumbline.engine.judge.GuardedJudge;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.proto.v1.CompareRequest;
import dev.plumbline.proto.v1.CompareResponse;
import dev.plumbline.proto.v1.JudgeServiceGrpc;
import dev.plumbline.proto.v1.ScoreRequest;
import dev.plumbline.proto.v1.ScoreResponse;
import dev.plumbline.proto.v1.ScoreStreamRequest;
import dev.plumbline.proto.v1.ScoreStreamResponse;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.PairwiseVerdict;
import dev.plumbline.spi.VerdictStatus;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.microprofile.context.ManagedExecutor;

/**
 * Written against the StreamObserver API (not Mutiny) because ScoreStream needs manual inbound
 * flow control: see {@link ScoreStreamSession}.
 */
@GrpcService
public class JudgeGrpcService extends JudgeServiceGrpc.JudgeServiceImplBase {

    private final PluginRegistry registry;
    private final ManagedExecutor executor;

    public JudgeGrpcService(PluginRegistry registry, ManagedExecutor executor) {
        this.registry = registry;
        this.executor = executor;
    }

    @Override
    public void score(ScoreRequest request, StreamObserver<ScoreResponse> responses) {
        answer(responses, () -> {
            GuardedJudge judge = GuardedJudge.of(registry, request.getJudge(),
                    ProtoMapping.values(request.getParametersMap(), "parameters"), "parameters");
            List<JudgeSample> samples = request.getSamplesList().stream().map(JudgeMessages::sample).toList();
            if (samples.isEmpty()) {
                throw new InvalidInputException("samples", "at least one sample is required");
            }
            ScoreResponse.Builder b = ScoreResponse.newBuilder();
            judge.score(samples, "samples").forEach(v -> b.addVerdicts(JudgeMessages.verdict(v)));
            return b.build();
        });
    }

    @Override
    public void compare(CompareRequest request, StreamObserver<CompareResponse> responses) {
        answer(responses, () -> {
            GuardedJudge judge = GuardedJudge.of(registry, request.getJudge(),
                    ProtoMapping.values(request.getParametersMap(), "parameters"), "parameters");
            if (request.getPairsCount() == 0) {
                throw new InvalidInputException("pairs", "at least one pair is required");
            }
            List<PairwiseVerdict> verdicts = judge.compare(
                    request.getPairsList().stream().map(JudgeMessages::pair).toList(), "pairs");
            CompareResponse.Builder b = CompareResponse.newBuilder();
            long valid = 0;
            long consistent = 0;
            for (PairwiseVerdict v : verdicts) {
                b.addVerdicts(JudgeMessages.pairwiseVerdict(v));
                if (v.status() == VerdictStatus.VALID) {
                    valid++;
                    consistent += v.positionConsistent() ? 1 : 0;
                }
            }
            return b.setPositionConsistencyRate(valid == 0 ? Double.NaN : (double) consistent / valid).build();
        });
    }

    @Override
    public StreamObserver<ScoreStreamRequest> scoreStream(StreamObserver<ScoreStreamResponse> responses) {
        return new ScoreStreamSession(registry, executor, (ServerCallStreamObserver<ScoreStreamResponse>) responses);
    }

    /** Runs a unary call on a worker thread and maps failures with {@link GrpcErrors}. */
    private <T> void answer(StreamObserver<T> responses, Supplier<T> work) {
        executor.execute(() -> {
            T result;
            try {
                result = work.get();
            } catch (RuntimeException e) {
                responses.onError(GrpcErrors.toStatus(e));
                return;
            }
            responses.onNext(result);
            responses.onCompleted();
        });
    }
}
