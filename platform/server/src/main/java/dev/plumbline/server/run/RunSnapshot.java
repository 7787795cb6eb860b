package dev.plumbline.server.run;

import dev.plumbline.engine.run.RunKind;
import dev.plumbline.engine.run.RunState;
import java.time.OffsetDateTime;
import java.util.Map;

/** A run as read from the store. */
public record RunSnapshot(
        String id,
        RunKind kind,
        RunState state,
        String name,
        String configJson,
        OffsetDateTime createdAt,
        OffsetDateTime startedAt,
        OffsetDateTime endedAt,
        String error,
        long progressDone,
        long progressTotal,
        Map<String, Double> latestMetrics,
        long lastSequence) {}
