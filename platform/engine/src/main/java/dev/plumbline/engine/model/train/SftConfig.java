package dev.plumbline.engine.model.train;

import dev.plumbline.spi.InvalidInputException;

/**
 * Supervised fine-tuning settings, named and defaulted like TRL's {@code SFTConfig} where the two
 * overlap (learning rate 2e-5, 3 epochs, batch 8, max length 1024, max grad norm 1, seed 42,
 * completion-only loss), except the scheduler: cosine with warmup (transformers defaults to linear).
 *
 * @param epochs passes over the data, used when {@code maxSteps == 0}
 * @param maxSteps optimizer steps; overrides {@code epochs} when > 0
 * @param batchSize examples per micro-batch ({@code per_device_train_batch_size})
 * @param gradientAccumulationSteps micro-batches per optimizer step
 * @param warmupRatio fraction of steps spent warming up, used when {@code warmupSteps == 0}
 * @param maxGradNorm global-norm clipping threshold; 0 disables clipping
 * @param maxLength sequences are cut to this many tokens (right truncation); also capped by the model context
 * @param completionOnlyLoss train on completion (assistant) tokens only; false trains on every token
 * @param loggingSteps emit metrics every this many steps (averaged over them)
 * @param saveSteps write {@code checkpoint-<step>} every this many steps; 0 disables
 */
public record SftConfig(int epochs, int maxSteps, int batchSize, int gradientAccumulationSteps, double learningRate,
        String lrSchedulerType, double warmupRatio, int warmupSteps, double weightDecay, double adamBeta1,
        double adamBeta2, double adamEpsilon, double maxGradNorm, int maxLength, boolean completionOnlyLoss,
        long seed, int loggingSteps, int saveSteps) {

    public SftConfig {
        check(epochs >= 1, "num_train_epochs", "must be >= 1, got " + epochs);
        check(maxSteps >= 0, "max_steps", "must be >= 0 (0 uses epochs), got " + maxSteps);
        check(batchSize >= 1, "per_device_train_batch_size", "must be >= 1, got " + batchSize);
        check(gradientAccumulationSteps >= 1, "gradient_accumulation_steps",
                "must be >= 1, got " + gradientAccumulationSteps);
        check(learningRate > 0 && Double.isFinite(learningRate), "learning_rate", "must be > 0, got " + learningRate);
        check(warmupRatio >= 0 && warmupRatio < 1, "warmup_ratio", "must be in [0, 1), got " + warmupRatio);
        check(warmupSteps >= 0, "warmup_steps", "must be >= 0, got " + warmupSteps);
        check(weightDecay >= 0, "weight_decay", "must be >= 0, got " + weightDecay);
        check(adamBeta1 >= 0 && adamBeta1 < 1, "adam_beta1", "must be in [0, 1), got " + adamBeta1);
        check(adamBeta2 >= 0 && adamBeta2 < 1, "adam_beta2", "must be in [0, 1), got " + adamBeta2);
        check(adamEpsilon > 0, "adam_epsilon", "must be > 0, got " + adamEpsilon);
        check(maxGradNorm >= 0, "max_grad_norm", "must be >= 0 (0 disables clipping), got " + maxGradNorm);
        check(maxLength >= 2, "max_length", "must be >= 2, got " + maxLength);
        check(loggingSteps >= 1, "logging_steps", "must be >= 1, got " + loggingSteps);
        check(saveSteps >= 0, "save_steps", "must be >= 0 (0 disables), got " + saveSteps);
        new LearningRateSchedule(lrSchedulerType, learningRate, 0, 1); // validates the type
    }

    private static void check(boolean ok, String field, String message) {
        if (!ok) {
            throw new InvalidInputException("parameters." + field, message);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().epochs(epochs).maxSteps(maxSteps).batchSize(batchSize)
                .gradientAccumulationSteps(gradientAccumulationSteps).learningRate(learningRate)
                .lrSchedulerType(lrSchedulerType).warmupRatio(warmupRatio).warmupSteps(warmupSteps)
                .weightDecay(weightDecay).adamBeta1(adamBeta1).adamBeta2(adamBeta2).adamEpsilon(adamEpsilon)
                .maxGradNorm(maxGradNorm).maxLength(maxLength).completionOnlyLoss(completionOnlyLoss).seed(seed)
                .loggingSteps(loggingSteps).saveSteps(saveSteps);
    }

    /** Fluent construction starting from the defaults. */
    public static final class Builder {
        private int epochs = 3;
        private int maxSteps;
        private int batchSize = 8;
        private int gradientAccumulationSteps = 1;
        private double learningRate = 2e-5;
        private String lrSchedulerType = "cosine";
        private double warmupRatio;
        private int warmupSteps;
        private double weightDecay;
        private double adamBeta1 = 0.9;
        private double adamBeta2 = 0.999;
        private double adamEpsilon = 1e-8;
        private double maxGradNorm = 1.0;
        private int maxLength = 1024;
        private boolean completionOnlyLoss = true;
        private long seed = 42;
        private int loggingSteps = 10;
        private int saveSteps;

        public Builder epochs(int v) {
            epochs = v;
            return this;
        }

        public Builder maxSteps(int v) {
            maxSteps = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder gradientAccumulationSteps(int v) {
            gradientAccumulationSteps = v;
            return this;
        }

        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        public Builder lrSchedulerType(String v) {
            lrSchedulerType = v;
            return this;
        }

        public Builder warmupRatio(double v) {
            warmupRatio = v;
            return this;
        }

        public Builder warmupSteps(int v) {
            warmupSteps = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder adamBeta1(double v) {
            adamBeta1 = v;
            return this;
        }

        public Builder adamBeta2(double v) {
            adamBeta2 = v;
            return this;
        }

        public Builder adamEpsilon(double v) {
            adamEpsilon = v;
            return this;
        }

        public Builder maxGradNorm(double v) {
            maxGradNorm = v;
            return this;
        }

        public Builder maxLength(int v) {
            maxLength = v;
            return this;
        }

        public Builder completionOnlyLoss(boolean v) {
            completionOnlyLoss = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder loggingSteps(int v) {
            loggingSteps = v;
            return this;
        }

        public Builder saveSteps(int v) {
            saveSteps = v;
            return this;
        }

        public SftConfig build() {
            return new SftConfig(epochs, maxSteps, batchSize, gradientAccumulationSteps, learningRate,
                    lrSchedulerType, warmupRatio, warmupSteps, weightDecay, adamBeta1, adamBeta2, adamEpsilon,
                    maxGradNorm, maxLength, completionOnlyLoss, seed, loggingSteps, saveSteps);
        }
    }
}
