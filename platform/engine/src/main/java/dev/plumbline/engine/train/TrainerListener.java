package dev.plumbline.engine.train;

/** Receives a trainer's events on the training thread; keep it quick. */
@FunctionalInterface
public interface TrainerListener {

    TrainerListener NONE = event -> {};

    void onEvent(TrainerEvent event);
}
