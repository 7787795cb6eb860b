package dev.plumbline.server.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The {@code plumbline.*} settings; environment variables override them (PLUMBLINE_DATA_DIR, ...). */
@ConfigMapping(prefix = "plumbline")
public interface PlumblineConfig {

    /** Embedded database, models and run artefacts. */
    @WithDefault("./data")
    Path dataDir();

    /** Accepted API keys; empty means authentication is off. */
    Optional<List<String>> apiKeys();

    /** Where benchmark data sets live. */
    Path datasetsDir();

    /** Evaluation runs. */
    Evaluation evaluation();

    /** Training runs. */
    Training training();

    interface Training {

        /** Training runs executing at once; further runs wait QUEUED. */
        @WithDefault("1")
        int maxConcurrentRuns();
    }

    interface Evaluation {

        /** Evaluation runs executing at once; further runs wait QUEUED. */
        @WithDefault("1")
        int maxConcurrentRuns();

        /**
         * Model calls in flight per run. 32 because a local model decodes concurrent calls as one
         * batch (LocalLanguageModel), so this is its batch size; remote endpoints are further bounded
         * by their client's own max concurrency.
         */
        @WithDefault("32")
        int generationParallelism();

        /** Judge calls in flight per run. */
        @WithDefault("4")
        int judgeParallelism();

        /** Rounds of every bootstrap interval (recorded in each manifest). */
        @WithDefault("1000")
        int bootstrapRounds();
    }
}
