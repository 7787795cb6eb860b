package dev.plumbline.server.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.engine.run.IllegalRunTransitionException;
import dev.plumbline.engine.run.RunKind;
import dev.plumbline.engine.run.RunState;
import dev.plumbline.spi.InvalidInputException;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Persists runs and their events. Every change appends an event under the run's row lock, so
 * event sequences have no gaps and a watcher that resumes after sequence N misses nothing.
 */
@ApplicationScoped
public class RunStore {

    private static final TypeReference<Map<String, Double>> METRICS = new TypeReference<>() {};

    private final ObjectMapper json;

    public RunStore(ObjectMapper json) {
        this.json = json;
    }

    @Transactional
    public RunSnapshot create(RunKind kind, String name, String configJson, long progressTotal) {
        return create(kind, UUID.randomUUID().toString(), name, configJson, progressTotal);
    }

    /** As {@link #create(RunKind, String, String, long)} with an id the caller chose (a fresh UUID). */
    @Transactional
    public RunSnapshot create(RunKind kind, String id, String name, String configJson, long progressTotal) {
        RunEntity e = new RunEntity();
        e.id = id;
        e.kind = kind.name();
        e.state = RunState.QUEUED.name();
        e.name = name == null ? "" : name;
        e.configJson = configJson;
        e.createdAt = now();
        e.progressTotal = progressTotal;
        e.metricsJson = "{}";
        e.persist();
        appendEvent(e, RunEventType.STATE, RunState.QUEUED, null, null, null, "queued");
        return snapshot(e);
    }

    @Transactional
    public RunSnapshot get(RunKind kind, String id) {
        return snapshot(find(kind, id, false));
    }

    /** Newest first; {@code pageToken} is the offset the previous page ended at. */
    @Transactional
    public RunPage list(RunKind kind, RunState state, int pageSize, String pageToken) {
        if (pageSize < 0 || pageSize > 1000) {
            throw new InvalidInputException("page_size", "must be between 0 and 1000, got " + pageSize);
        }
        int size = pageSize == 0 ? 50 : pageSize;
        int offset;
        try {
            offset = pageToken == null || pageToken.isEmpty() ? 0 : Integer.parseInt(pageToken);
        } catch (NumberFormatException ex) {
            throw new InvalidInputException("page_token", "not a token this server issued: " + pageToken);
        }
        if (offset < 0) {
            throw new InvalidInputException("page_token", "not a token this server issued: " + pageToken);
        }
        var query = state == null
                ? RunEntity.<RunEntity>find("kind = :kind", Sort.descending("createdAt", "id"),
                        Parameters.with("kind", kind.name()))
                : RunEntity.<RunEntity>find("kind = :kind and state = :state", Sort.descending("createdAt", "id"),
                        Parameters.with("kind", kind.name()).and("state", state.name()));
        // Panache ranges are inclusive at both ends.
        List<RunEntity> rows = query.range(offset, offset + size - 1).list();
        boolean more = query.range(offset + size, offset + size).list().size() == 1;
        return new RunPage(rows.stream().map(this::snapshot).toList(), more ? Integer.toString(offset + size) : "");
    }

    @Transactional
    public RunSnapshot transition(RunKind kind, String id, RunState to, String message) {
        RunEntity e = find(kind, id, true);
        RunState from = RunState.valueOf(e.state);
        if (!from.canBecome(to)) {
            throw new IllegalRunTransitionException(id, from, to);
        }
        e.state = to.name();
        if (to == RunState.RUNNING && e.startedAt == null) {
            e.startedAt = now();
        }
        if (to.terminal()) {
            e.endedAt = now();
            if (to != RunState.SUCCEEDED) {
                e.error = message;
            }
        }
        appendEvent(e, RunEventType.STATE, to, null, null, null, message);
        return snapshot(e);
    }

    @Transactional
    public void progress(RunKind kind, String id, long done, long total) {
        RunEntity e = find(kind, id, true);
        e.progressDone = done;
        e.progressTotal = total;
        appendEvent(e, RunEventType.PROGRESS, null, done, total, null, null);
    }

    @Transactional
    public void metrics(RunKind kind, String id, long step, Map<String, Double> metrics) {
        RunEntity e = find(kind, id, true);
        Map<String, Double> latest = new TreeMap<>(readMetrics(e.metricsJson));
        latest.putAll(metrics);
        e.metricsJson = writeMetrics(latest);
        RunEventEntity ev = appendEvent(e, RunEventType.METRICS, null, null, null, null, null);
        ev.step = step;
        ev.metricsJson = writeMetrics(metrics);
    }

    @Transactional
    public void log(RunKind kind, String id, String message) {
        appendEvent(find(kind, id, true), RunEventType.LOG, null, null, null, null, message);
    }

    /** Events with sequence greater than {@code afterSequence}, oldest first. */
    @Transactional
    public List<RunEventSnapshot> events(RunKind kind, String id, long afterSequence, int limit) {
        find(kind, id, false);
        return RunEventEntity.<RunEventEntity>find("key.runId = ?1 and key.sequence > ?2",
                        Sort.ascending("key.sequence"), id, afterSequence)
                .page(Page.ofSize(limit)).list().stream().map(this::snapshot).toList();
    }

    /** Every run of {@code kind} in {@code state}, across all pages (newest first). */
    public List<RunSnapshot> all(RunKind kind, RunState state) {
        List<RunSnapshot> out = new java.util.ArrayList<>();
        String token = "";
        do {
            RunPage page = list(kind, state, 1000, token);
            out.addAll(page.runs());
            token = page.nextPageToken();
        } while (!token.isEmpty());
        return out;
    }

    /**
     * Moves a run to a terminal {@code state} unless it already ended (a concurrent cancel won);
     * a failure to record it is logged, never thrown, so the caller's own error is not masked.
     */
    public void endIfActive(RunKind kind, String id, RunState state, String message) {
        try {
            if (!get(kind, id).state().terminal()) {
                transition(kind, id, state, message);
            }
        } catch (RuntimeException e) {
            io.quarkus.logging.Log.warnf("cannot mark run %s %s: %s", id, state, e.getMessage());
        }
    }

    private RunEntity find(RunKind kind, String id, boolean lock) {
        if (id == null || id.isBlank()) {
            throw new InvalidInputException("run_id", "is required");
        }
        RunEntity e = lock ? RunEntity.findById(id, LockModeType.PESSIMISTIC_WRITE) : RunEntity.findById(id);
        if (e == null || !e.kind.equals(kind.name())) {
            throw new RunNotFoundException(id);
        }
        return e;
    }

    private RunEventEntity appendEvent(RunEntity run, RunEventType type, RunState state, Long done, Long total,
            Long step, String message) {
        run.lastSequence++;
        RunEventEntity ev = new RunEventEntity();
        ev.key = new RunEventEntity.Key(run.id, run.lastSequence);
        ev.time = now();
        ev.type = type.name();
        ev.state = state == null ? null : state.name();
        ev.progressDone = done;
        ev.progressTotal = total;
        ev.step = step;
        ev.message = message;
        ev.persist();
        return ev;
    }

    private RunSnapshot snapshot(RunEntity e) {
        return new RunSnapshot(e.id, RunKind.valueOf(e.kind), RunState.valueOf(e.state), e.name, e.configJson,
                e.createdAt, e.startedAt, e.endedAt, e.error, e.progressDone, e.progressTotal,
                readMetrics(e.metricsJson), e.lastSequence);
    }

    private RunEventSnapshot snapshot(RunEventEntity ev) {
        return new RunEventSnapshot(ev.key.runId, ev.key.sequence, ev.time, RunEventType.valueOf(ev.type),
                ev.state == null ? null : RunState.valueOf(ev.state), ev.progressDone, ev.progressTotal, ev.step,
                ev.metricsJson == null ? Map.of() : readMetrics(ev.metricsJson), ev.message);
    }

    private Map<String, Double> readMetrics(String text) {
        try {
            return new LinkedHashMap<>(json.readValue(text, METRICS));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("corrupt metrics JSON in the database: " + text, ex);
        }
    }

    private String writeMetrics(Map<String, Double> metrics) {
        try {
            return json.writeValueAsString(new TreeMap<>(metrics));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static OffsetDateTime now() {
        // Microseconds: what both H2 and PostgreSQL store, so a value reads back equal.
        return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }
}
