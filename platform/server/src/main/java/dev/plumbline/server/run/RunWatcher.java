package dev.plumbline.server.run;

import dev.plumbline.engine.run.RunKind;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.context.ManagedExecutor;

/**
 * Streams a run's events from the database until the run has ended and every event was sent.
 * Polling the store (not an in-memory bus) keeps it correct when several instances share PostgreSQL.
 */
@ApplicationScoped
public class RunWatcher {

    private static final long POLL_MILLIS = 200;

    private final RunStore store;
    private final ManagedExecutor executor;

    public RunWatcher(RunStore store, ManagedExecutor executor) {
        this.store = store;
        this.executor = executor;
    }

    public Multi<RunEventSnapshot> watch(RunKind kind, String runId, long afterSequence) {
        return Multi.createFrom().emitter(emitter -> executor.execute(() -> {
            long sequence = afterSequence;
            try {
                while (!emitter.isCancelled()) {
                    List<RunEventSnapshot> batch = store.events(kind, runId, sequence, 500);
                    for (RunEventSnapshot e : batch) {
                        emitter.emit(e);
                        sequence = e.sequence();
                    }
                    if (batch.isEmpty()) {
                        RunSnapshot run = store.get(kind, runId);
                        if (run.state().terminal() && run.lastSequence() <= sequence) {
                            emitter.complete();
                            return;
                        }
                        Thread.sleep(POLL_MILLIS);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                emitter.complete();
            } catch (RuntimeException e) {
                emitter.fail(e);
            }
        }));
    }
}
