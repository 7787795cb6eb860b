package dev.plumbline.server.demo;

import dev.plumbline.engine.eval.ProgressListener;
import dev.plumbline.engine.model.train.TrainingListener;
import dev.plumbline.engine.train.TrainerListener;

/** Where the demo shows its progress (the CLI: progress bars on a terminal, plain lines otherwise). */
public interface DemoListener {

    /** A new phase, e.g. "3/6 preference data". */
    void phase(String title);

    /** A line of commentary within a phase. */
    void line(String text);

    /** Progress of the base model's supervised fine-tuning. */
    TrainingListener supervised();

    /** Progress of one alignment run; closed by the demo when the run ends. */
    AutoCloseableTrainerListener training(String algorithm);

    /** Progress of one evaluation run; closed by the demo when the run ends. */
    AutoCloseableProgressListener evaluation(String suite);

    interface AutoCloseableTrainerListener extends TrainerListener, AutoCloseable {
        @Override
        void close();
    }

    interface AutoCloseableProgressListener extends ProgressListener, AutoCloseable {
        @Override
        void close();
    }
}
