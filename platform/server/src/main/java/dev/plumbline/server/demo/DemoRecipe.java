package dev.plumbline.server.demo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the demo aligns the base model with one algorithm: the algorithm's parameters (its
 * reference defaults unless stated), the trainer settings and, for online algorithms, the judge.
 * Settings were chosen once for the tiny byte-level demo model (fixed seeds) and are the same for
 * {@code demo} and {@code demo --quick} except the number of steps.
 *
 * @param online samples its own completions (prompt set + judge) instead of reading preference pairs
 * @param pairwise the judge compares two responses (SPPO, Nash-MD) instead of scoring one
 */
record DemoRecipe(String algorithm, boolean online, boolean pairwise, Map<String, Object> parameters,
        Map<String, Object> trainer, int steps, int quickSteps) {

    /**
     * Every algorithm the demo runs, offline first. Learning rates and betas were picked by a small
     * sweep on the demo task (seed 20261122, quick steps): e.g. DPO at beta 0.1 / lr 1e-3 drives the
     * harmful-refusal rate to 0 (over-optimisation on 60-odd pairs), beta 0.5 / lr 3e-4 does not; PPO
     * at lr 1e-3 with 4 epochs drifts until the KL penalty dominates; SPPO's squared loss on summed
     * log-ratios diverges at lr 1e-3 and works at 1e-4; SimPO (no reference model to anchor it) needs
     * a small learning rate, as its authors warn: at 3e-4 it raises its own preference accuracy while
     * the sampled replies stop refusing harmful requests, at 3e-5 it aligns. IPO regresses the log-ratio
     * margin onto 1/(2 beta): at beta 0.1-0.5 with lr 1e-3 it overshoots the same way, at beta 1 it
     * aligns. RLOO at lr 1e-3 collapses to very short replies within 60 steps; 3e-4 does not.
     */
    static List<DemoRecipe> all() {
        return List.of(
                offline("dpo", Map.of("beta", 0.5), 3e-4),
                offline("ipo", Map.of("beta", 1.0), 1e-3),
                offline("kto", Map.of("beta", 0.1), 1e-3),
                offline("orpo", Map.of("beta", 0.1), 1e-3),
                offline("simpo", Map.of("beta", 2.0, "simpo_gamma", 0.5), 3e-5),
                online("ppo", false, Map.of(), 3e-4, Map.of("per_device_train_batch_size", 16, "num_ppo_epochs", 2)),
                online("grpo", false, Map.of("num_generations", 4, "beta", 0.04), 1e-3,
                        Map.of("per_device_train_batch_size", 16)),
                online("rloo", false, Map.of("num_generations", 4), 3e-4, Map.of("per_device_train_batch_size", 16)),
                online("sppo", true, Map.of("beta", 0.1), 1e-4, Map.of("per_device_train_batch_size", 8,
                        "num_generations", 4)),
                online("nash-md", true, Map.of(), 3e-4, Map.of("per_device_train_batch_size", 16)));
    }

    private static DemoRecipe offline(String algorithm, Map<String, Object> parameters, double learningRate) {
        return new DemoRecipe(algorithm, false, false, parameters, Map.of("learning_rate", learningRate,
                "per_device_train_batch_size", 16, "lr_scheduler_type", "constant", "max_length", 256), 60, 30);
    }

    private static DemoRecipe online(String algorithm, boolean pairwise, Map<String, Object> parameters,
            double learningRate, Map<String, Object> trainer) {
        Map<String, Object> settings = new LinkedHashMap<>(Map.of("learning_rate", learningRate, "lr_scheduler_type",
                "constant", "temperature", 1.0, "max_completion_length", 96, "max_prompt_length", 160));
        settings.putAll(trainer);
        return new DemoRecipe(algorithm, true, pairwise, parameters, settings, 60, 20);
    }

    /** Trainer settings for a run of {@code steps} steps, reporting every step and saving at the end only. */
    Map<String, Object> trainerSettings(boolean quick) {
        Map<String, Object> s = new LinkedHashMap<>(trainer);
        s.put("max_steps", quick ? quickSteps : steps);
        s.put("logging_steps", 1);
        s.put("save_steps", 0);
        return s;
    }
}
