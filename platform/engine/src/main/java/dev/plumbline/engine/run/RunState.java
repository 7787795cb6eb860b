package dev.plumbline.engine.run;

import java.util.EnumSet;
import java.util.Set;

/** The run state machine: QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED (and QUEUED → CANCELLED). */
public enum RunState {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** States this one may move to. A RUNNING run may also go back to QUEUED when its server dies and it is resumed. */
    public Set<RunState> successors() {
        return switch (this) {
            case QUEUED -> EnumSet.of(RUNNING, FAILED, CANCELLED);
            case RUNNING -> EnumSet.of(QUEUED, SUCCEEDED, FAILED, CANCELLED);
            case SUCCEEDED, FAILED, CANCELLED -> EnumSet.noneOf(RunState.class);
        };
    }

    public boolean canBecome(RunState next) {
        return successors().contains(next);
    }
}
