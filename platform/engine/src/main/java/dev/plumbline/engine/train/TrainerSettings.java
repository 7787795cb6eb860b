package dev.plumbline.engine.train;

import dev.plumbline.engine.model.train.LearningRateSchedule;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.ParameterSpec;
import dev.plumbline.spi.Parameters;
import java.util.List;
import java.util.Map;

/**
 * Trainer settings shared by every algorithm, under the names of TRL's / transformers'
 * {@code TrainingArguments} and the online configs ({@code GRPOConfig}, {@code PPOConfig},
 * {@code NashMDConfig}). Defaults follow TRL where it has one setting for all trainers; where TRL's
 * trainers disagree (learning rate 1e-6 for DPO/GRPO, 3e-6 for PPO) the documented default is the
 * DPO/GRPO one. Unknown names are rejected ({@code trainer.<name>}).
 */
public final class TrainerSettings {

    public static final List<ParameterSpec> SPECS = List.of(
            ParameterSpec.number("learning_rate", 1e-6, 0.0, 10.0, "AdamW peak learning rate"),
            ParameterSpec.integer("max_steps", 0L, 0L, 10_000_000L,
                    "optimizer steps (iterations for PPO); 0 = num_train_epochs over the data or prompts"),
            ParameterSpec.number("num_train_epochs", 1.0, 0.0, 10_000.0, "passes over the data when max_steps = 0"),
            ParameterSpec.integer("per_device_train_batch_size", 8L, 1L, 65_536L,
                    "examples per micro-batch: pairs (DPO), completions (GRPO/RLOO: a multiple of num_generations),"
                            + " prompts (PPO, SPPO, Nash-MD, online DPO)"),
            ParameterSpec.integer("gradient_accumulation_steps", 1L, 1L, 65_536L, "micro-batches per optimizer step"),
            ParameterSpec.number("max_grad_norm", 1.0, 0.0, 1e9, "global-norm gradient clipping; 0 disables"),
            ParameterSpec.choice("lr_scheduler_type", "linear", List.of("linear", "cosine", "constant"),
                    "learning-rate decay after warmup (transformers default linear)"),
            ParameterSpec.number("warmup_ratio", 0.0, 0.0, 0.999, "share of steps warming up (when warmup_steps = 0)"),
            ParameterSpec.integer("warmup_steps", 0L, 0L, 10_000_000L, "linear warmup steps"),
            ParameterSpec.number("weight_decay", 0.0, 0.0, 10.0, "AdamW decoupled weight decay (not on norm weights)"),
            ParameterSpec.number("adam_beta1", 0.9, 0.0, 0.999999, "AdamW beta1"),
            ParameterSpec.number("adam_beta2", 0.999, 0.0, 0.999999, "AdamW beta2"),
            ParameterSpec.number("adam_epsilon", 1e-8, 1e-30, 1.0, "AdamW epsilon"),
            ParameterSpec.integer("logging_steps", 10L, 1L, 10_000_000L, "report metrics every this many steps"),
            ParameterSpec.integer("save_steps", 500L, 0L, 10_000_000L,
                    "write checkpoint-<step> (weights, optimizer, trainer state) every this many steps; 0 = only at the end"),
            ParameterSpec.integer("save_total_limit", 2L, 0L, 1_000_000L,
                    "keep at most this many checkpoint-<step> directories (oldest removed); 0 = keep all"),
            ParameterSpec.integer("max_length", 1024L, 2L, 1_000_000L, "prompt + completion tokens at most (offline)"),
            ParameterSpec.integer("max_prompt_length", 512L, 1L, 1_000_000L,
                    "prompt tokens at most; longer prompts keep their end"),
            ParameterSpec.integer("max_completion_length", 256L, 1L, 1_000_000L,
                    "tokens generated per completion (online)"),
            ParameterSpec.integer("num_generations", 8L, 1L, 65_536L,
                    "completions sampled per prompt (GRPO, RLOO, SPPO). When the algorithm has the same parameter:"
                            + " a value given in parameters wins, then one given here, then the algorithm's default"),
            ParameterSpec.number("temperature", 1.0, 0.0, 100.0, "sampling temperature of rollouts"),
            ParameterSpec.integer("top_k", 0L, 0L, 1_000_000L, "rollout top-k; 0 disables"),
            ParameterSpec.number("top_p", 1.0, 0.0, 1.0, "rollout nucleus sampling; 1 disables"),
            ParameterSpec.integer("num_ppo_epochs", 4L, 1L, 1000L, "PPO: passes over each rollout batch"),
            ParameterSpec.integer("num_mini_batches", 1L, 1L, 65_536L, "PPO: mini-batches per pass"),
            ParameterSpec.number("missing_eos_penalty", 0.0, 0.0, 1e6,
                    "online: subtracted from the reward of a completion that hit max_completion_length"),
            ParameterSpec.number("mixture_coef", 0.5, 0.0, 1.0,
                    "Nash-MD: weight of the reference model in the geometric mixture that samples y'"),
            ParameterSpec.string("reward_value", "score",
                    "online, pointwise judges: the verdict value used as the reward (a verdict with a single value"
                            + " gives that value when this is left at score)"));

    private final Parameters values;

    private TrainerSettings(Parameters values) {
        this.values = values;
    }

    /** Validates {@code given} (field {@code trainer.<name>}) and fills in the defaults. */
    public static TrainerSettings of(Map<String, ?> given) {
        TrainerSettings s = new TrainerSettings(Parameters.resolve(SPECS, given == null ? Map.of() : given, "trainer"));
        new LearningRateSchedule(s.lrSchedulerType(), s.learningRate(), 0, 1);
        if (s.topK() > Integer.MAX_VALUE) {
            throw new InvalidInputException("trainer.top_k", "is too large");
        }
        return s;
    }

    public Parameters values() {
        return values;
    }

    public double learningRate() {
        return values.number("learning_rate");
    }

    public int maxSteps() {
        return values.intValue("max_steps");
    }

    public double epochs() {
        return values.number("num_train_epochs");
    }

    public int batchSize() {
        return values.intValue("per_device_train_batch_size");
    }

    public int gradientAccumulationSteps() {
        return values.intValue("gradient_accumulation_steps");
    }

    public double maxGradNorm() {
        return values.number("max_grad_norm");
    }

    public String lrSchedulerType() {
        return values.string("lr_scheduler_type");
    }

    public double warmupRatio() {
        return values.number("warmup_ratio");
    }

    public int warmupSteps() {
        return values.intValue("warmup_steps");
    }

    public double weightDecay() {
        return values.number("weight_decay");
    }

    public double adamBeta1() {
        return values.number("adam_beta1");
    }

    public double adamBeta2() {
        return values.number("adam_beta2");
    }

    public double adamEpsilon() {
        return values.number("adam_epsilon");
    }

    public int loggingSteps() {
        return values.intValue("logging_steps");
    }

    public int saveSteps() {
        return values.intValue("save_steps");
    }

    public int saveTotalLimit() {
        return values.intValue("save_total_limit");
    }

    public int maxLength() {
        return values.intValue("max_length");
    }

    public int maxPromptLength() {
        return values.intValue("max_prompt_length");
    }

    public int maxCompletionLength() {
        return values.intValue("max_completion_length");
    }

    public int numGenerations() {
        return values.intValue("num_generations");
    }

    public double temperature() {
        return values.number("temperature");
    }

    public int topK() {
        return values.intValue("top_k");
    }

    public double topP() {
        return values.number("top_p");
    }

    public int numPpoEpochs() {
        return values.intValue("num_ppo_epochs");
    }

    public int numMiniBatches() {
        return values.intValue("num_mini_batches");
    }

    public double missingEosPenalty() {
        return values.number("missing_eos_penalty");
    }

    public double mixtureCoef() {
        return values.number("mixture_coef");
    }

    public String rewardValue() {
        return values.string("reward_value");
    }

    /** Warmup steps for a run of {@code totalSteps}: warmup_steps, else ceil(warmup_ratio * total). */
    public LearningRateSchedule schedule(int totalSteps) {
        int warmup = warmupSteps() > 0 ? warmupSteps() : (int) Math.ceil(warmupRatio() * totalSteps);
        return new LearningRateSchedule(lrSchedulerType(), learningRate(), warmup, totalSteps);
    }
}
