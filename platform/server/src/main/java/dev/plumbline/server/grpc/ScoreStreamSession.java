package dev.plumbline.server.grpc;

import dev.plumbline.engine.judge.GuardedJudge;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.proto.v1.ScoreStreamRequest;
import dev.plumbline.proto.v1.ScoreStreamResponse;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Verdict;
import dev.plumbline.spi.VerdictStatus;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * One ScoreStream call. Requests queue up as they arrive; a single drain task at a time scores
 * them in micro-batches and answers in request order. The server asks the client for more
 * requests only after answering and only while the client is reading (manual flow control), so
 * a fast producer is slowed down instead of filling memory.
 *
 * The first request names the judge. A bad item gets an ERROR verdict and the stream goes on;
 * an unknown judge or bad parameters end the stream with INVALID_ARGUMENT.
 */
final class ScoreStreamSession implements StreamObserver<ScoreStreamRequest> {

    static final int WINDOW = 512;
    static final int BATCH = 128;

    private final PluginRegistry registry;
    private final Executor executor;
    private final ServerCallStreamObserver<ScoreStreamResponse> out;

    // Guarded by this.
    private final ArrayDeque<ScoreStreamRequest> pending = new ArrayDeque<>();
    private boolean draining;
    private boolean halfClosed;
    private boolean finished;
    private int owedRequests;

    // Touched only by the drain task (one at a time).
    private GuardedJudge judge;
    private String judgeId;

    ScoreStreamSession(PluginRegistry registry, Executor executor, ServerCallStreamObserver<ScoreStreamResponse> out) {
        this.registry = registry;
        this.executor = executor;
        this.out = out;
        out.disableAutoRequest();
        out.setOnReadyHandler(this::onClientReady);
        out.setOnCancelHandler(() -> {
            synchronized (this) {
                finished = true;
                pending.clear();
            }
        });
        out.request(WINDOW);
    }

    @Override
    public void onNext(ScoreStreamRequest request) {
        synchronized (this) {
            if (finished) {
                return;
            }
            pending.add(request);
        }
        scheduleDrain();
    }

    @Override
    public void onError(Throwable t) {
        synchronized (this) {
            finished = true;
            pending.clear();
        }
    }

    @Override
    public void onCompleted() {
        synchronized (this) {
            halfClosed = true;
        }
        scheduleDrain();
    }

    private void onClientReady() {
        int owed;
        synchronized (this) {
            owed = owedRequests;
            owedRequests = 0;
        }
        if (owed > 0) {
            out.request(owed);
        }
    }

    private void scheduleDrain() {
        synchronized (this) {
            if (draining || finished) {
                return;
            }
            draining = true;
        }
        executor.execute(this::drain);
    }

    private void drain() {
        while (true) {
            List<ScoreStreamRequest> batch = new ArrayList<>(BATCH);
            boolean complete;
            synchronized (this) {
                while (batch.size() < BATCH && !pending.isEmpty()) {
                    batch.add(pending.poll());
                }
                complete = batch.isEmpty() && halfClosed && !finished;
                if (batch.isEmpty()) {
                    draining = false;
                    if (complete) {
                        finished = true;
                    }
                }
            }
            if (batch.isEmpty()) {
                if (complete) {
                    out.onCompleted();
                }
                return;
            }
            try {
                for (ScoreStreamResponse r : score(batch)) {
                    out.onNext(r);
                }
            } catch (RuntimeException e) {
                synchronized (this) {
                    finished = true;
                    pending.clear();
                    draining = false;
                }
                out.onError(GrpcErrors.toStatus(e));
                return;
            }
            if (out.isReady()) {
                out.request(batch.size());
            } else {
                synchronized (this) {
                    owedRequests += batch.size();
                }
            }
        }
    }

    private List<ScoreStreamResponse> score(List<ScoreStreamRequest> batch) {
        if (judge == null) {
            ScoreStreamRequest first = batch.get(0);
            judgeId = first.getJudge();
            judge = GuardedJudge.of(registry, judgeId, ProtoMapping.values(first.getParametersMap(), "parameters"),
                    "parameters");
        }
        Verdict[] verdicts = new Verdict[batch.size()];
        List<JudgeSample> valid = new ArrayList<>(batch.size());
        List<Integer> validIndex = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            ScoreStreamRequest r = batch.get(i);
            JudgeSample sample = JudgeMessages.sample(r.getSample());
            String problem = null;
            if (!r.getJudge().isEmpty() && !r.getJudge().equals(judgeId)) {
                problem = "judge: a stream uses one judge ('" + judgeId + "'); this request names '" + r.getJudge() + "'";
            } else if (!r.hasSample()) {
                problem = "sample: is required";
            } else {
                try {
                    judge.validate(sample, "sample");
                } catch (InvalidInputException e) {
                    problem = e.getMessage();
                }
            }
            if (problem == null) {
                valid.add(sample);
                validIndex.add(i);
            } else {
                verdicts[i] = Verdict.failed(sample.id(), VerdictStatus.ERROR, problem, null);
            }
        }
        List<Verdict> scored = judge.score(valid, "sample");
        for (int k = 0; k < scored.size(); k++) {
            verdicts[validIndex.get(k)] = scored.get(k);
        }
        List<ScoreStreamResponse> responses = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            responses.add(ScoreStreamResponse.newBuilder().setRequestId(batch.get(i).getRequestId())
                    .setVerdict(JudgeMessages.verdict(verdicts[i])).build());
        }
        return responses;
    }
}
