package dev.plumbline.server.run;

/** No run has this id (of the requested kind). Maps to NOT_FOUND. */
public final class RunNotFoundException extends RuntimeException {

    public RunNotFoundException(String id) {
        super("run_id: no run '" + id + "'");
    }
}
