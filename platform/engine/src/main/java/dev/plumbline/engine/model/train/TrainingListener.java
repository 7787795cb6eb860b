package dev.plumbline.engine.model.train;

/** Receives a trainer's events on the training thread; keep it quick. */
@FunctionalInterface
public interface TrainingListener {

    TrainingListener NONE = event -> {};

    void onEvent(TrainingEvent event);
}
