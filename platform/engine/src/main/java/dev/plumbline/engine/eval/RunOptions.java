package dev.plumbline.engine.eval;

/**
 * How a run executes; none of these change a result except the bootstrap settings, which are
 * recorded in the manifest.
 *
 * @param generationParallelism model calls in flight at most: keeps a remote endpoint busy (its
 *     client applies its own concurrency bound on top), and fills a local model's batches, since
 *     {@link dev.plumbline.engine.model.local.LocalLanguageModel} decodes concurrent calls together
 * @param judgeParallelism judge calls in flight at most
 * @param retryFailed on resume, regenerate samples whose generation failed and rejudge failed
 *     verdicts (transient endpoint errors); otherwise failures are kept as recorded
 * @param bootstrapRounds rounds of every bootstrap interval
 * @param bootstrapSeed seed of every bootstrap
 * @param confidenceLevel interval level (0.95)
 * @param codeVersion recorded in the manifest; {@code null} = {@link CodeVersion#detect()}
 */
public record RunOptions(
        int generationParallelism,
        int judgeParallelism,
        boolean retryFailed,
        int bootstrapRounds,
        long bootstrapSeed,
        double confidenceLevel,
        String codeVersion) {

    public RunOptions {
        if (generationParallelism < 1 || judgeParallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1");
        }
        if (bootstrapRounds < 0) {
            throw new IllegalArgumentException("bootstrap rounds must be >= 0");
        }
        if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
            throw new IllegalArgumentException("confidence level must be in (0, 1)");
        }
    }

    /**
     * 32 generations and 4 judgements in flight, retry failures, 1000 bootstrap rounds, seed 0, 95 %.
     * 32 generations: a local model batches concurrent calls (up to 64 rows), so the pool's size is
     * its batch size; a handful of calls in flight left it decoding 4-row batches several times slower.
     */
    public static RunOptions defaults() {
        return new RunOptions(32, 4, true, 1000, 0L, 0.95, null);
    }

    public RunOptions withParallelism(int generation, int judging) {
        return new RunOptions(generation, judging, retryFailed, bootstrapRounds, bootstrapSeed, confidenceLevel, codeVersion);
    }

    public RunOptions withRetryFailed(boolean retry) {
        return new RunOptions(generationParallelism, judgeParallelism, retry, bootstrapRounds, bootstrapSeed, confidenceLevel,
                codeVersion);
    }

    public RunOptions withBootstrap(int rounds, long seed) {
        return new RunOptions(generationParallelism, judgeParallelism, retryFailed, rounds, seed, confidenceLevel, codeVersion);
    }

    public RunOptions withCodeVersion(String version) {
        return new RunOptions(generationParallelism, judgeParallelism, retryFailed, bootstrapRounds, bootstrapSeed,
                confidenceLevel, version);
    }
}
