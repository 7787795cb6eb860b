package dev.plumbline.engine.eval;

/** Which prompt set a run uses. The choice and its reason are recorded in the manifest. */
public enum DatasetSelection {
    /** The external files when every one exists under the datasets directory, else the built-in set. */
    AUTO,
    /** Always the suite's project-written set ({@code dataset.builtin}). */
    BUILTIN,
    /** The external files; a missing one is an error. */
    EXTERNAL
}
