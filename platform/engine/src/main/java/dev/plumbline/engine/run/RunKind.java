package dev.plumbline.engine.run;

public enum RunKind {
    TRAINING,
    EVALUATION
}
