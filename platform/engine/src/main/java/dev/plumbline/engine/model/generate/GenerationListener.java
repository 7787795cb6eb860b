package dev.plumbline.engine.model.generate;

/** Receives text as it becomes final (never text that may still turn out to start a stop sequence). */
@FunctionalInterface
public interface GenerationListener {

    GenerationListener NONE = (row, text) -> {};

    void onText(int row, String text);
}
