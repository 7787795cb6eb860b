package dev.plumbline.server.eval;

/** A report was asked for that cannot be produced (no stored report and the run cannot be planned again). */
public class ReportUnavailableException extends RuntimeException {

    public ReportUnavailableException(String message) {
        super(message);
    }
}
