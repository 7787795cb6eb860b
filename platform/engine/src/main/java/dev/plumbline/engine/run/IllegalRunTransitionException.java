package dev.plumbline.engine.run;

/** A run asked to move along an edge the state machine does not have (e.g. cancelling a finished run). */
public final class IllegalRunTransitionException extends IllegalStateException {

    private final RunState from;
    private final RunState to;

    public IllegalRunTransitionException(String runId, RunState from, RunState to) {
        super("run " + runId + " is " + from + " and cannot become " + to);
        this.from = from;
        this.to = to;
    }

    public RunState from() {
        return from;
    }

    public RunState to() {
        return to;
    }
}
