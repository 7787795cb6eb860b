package dev.plumbline.server.grpc;

import dev.plumbline.engine.run.RunKind;
import dev.plumbline.engine.run.RunState;
import dev.plumbline.proto.v1.Run;
import dev.plumbline.proto.v1.RunEvent;
import dev.plumbline.server.run.RunPage;
import dev.plumbline.server.run.RunStore;
import dev.plumbline.server.run.RunWatcher;
import dev.plumbline.spi.InvalidInputException;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** The run RPCs training and evaluation share (GetRun, ListRuns, CancelRun, WatchRun), written once. */
@ApplicationScoped
public class RunRpcs {

    private final RunStore store;
    private final RunWatcher watcher;

    public RunRpcs(RunStore store, RunWatcher watcher) {
        this.store = store;
        this.watcher = watcher;
    }

    public Run get(RunKind kind, String runId) {
        return ProtoMapping.run(store.get(kind, runId));
    }

    public record Page(List<Run> runs, String nextPageToken) {}

    public Page list(RunKind kind, dev.plumbline.proto.v1.RunState state, int pageSize, String pageToken) {
        RunPage page = store.list(kind, ProtoMapping.state(state, "state"), pageSize, pageToken);
        return new Page(page.runs().stream().map(ProtoMapping::run).toList(), page.nextPageToken());
    }

    public Run cancel(RunKind kind, String runId, String reason) {
        String message = reason == null || reason.isBlank() ? "cancelled by request" : "cancelled: " + reason;
        return ProtoMapping.run(store.transition(kind, runId, RunState.CANCELLED, message));
    }

    public Multi<RunEvent> watch(RunKind kind, String runId, long afterSequence) {
        if (afterSequence < 0) {
            throw new InvalidInputException("after_sequence", "must be >= 0, got " + afterSequence);
        }
        store.get(kind, runId); // NOT_FOUND before the stream opens
        return watcher.watch(kind, runId, afterSequence).map(ProtoMapping::event);
    }
}
