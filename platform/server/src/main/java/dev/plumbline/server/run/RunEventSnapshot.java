package dev.plumbline.server.run;

import dev.plumbline.engine.run.RunState;
import java.time.OffsetDateTime;
import java.util.Map;

/** One stored run event; fields that do not apply to its type are null. */
public record RunEventSnapshot(
        String runId,
        long sequence,
        OffsetDateTime time,
        RunEventType type,
        RunState state,
        Long progressDone,
        Long progressTotal,
        Long step,
        Map<String, Double> metrics,
        String message) {}
