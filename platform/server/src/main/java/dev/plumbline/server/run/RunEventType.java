package dev.plumbline.server.run;

public enum RunEventType {
    STATE,
    PROGRESS,
    METRICS,
    LOG
}
