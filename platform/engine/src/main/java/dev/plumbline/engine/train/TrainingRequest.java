package dev.plumbline.engine.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * A training run as the caller resolved it: paths are concrete, ids are not yet checked. The
 * field names in error messages are those of {@code StartTrainingRequest} ({@code algorithm},
 * {@code parameters.<name>}, {@code base_model}, {@code dataset}, {@code prompt_set}, {@code judge},
 * {@code judge_parameters.<name>}, {@code trainer.<name>}, {@code output}).
 *
 * @param baseModel checkpoint directory of the policy to start from (also the frozen reference)
 * @param dataset offline algorithms: TRL-format JSONL (paired preferences, or unpaired for KTO)
 * @param promptSet online algorithms: prompt-only JSONL
 * @param judge online algorithms: judge plugin id (pointwise for rewards, pairwise for self-play)
 * @param outputDir where checkpoints go and, at the end, the trained model (Hugging Face layout)
 * @param trainer trainer settings by TRL name, see {@link TrainerSettings}
 */
public record TrainingRequest(
        String algorithm,
        Map<String, Object> parameters,
        Path baseModel,
        Path dataset,
        Path promptSet,
        String judge,
        Map<String, Object> judgeParameters,
        long seed,
        Path outputDir,
        Map<String, Object> trainer) {

    public TrainingRequest {
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        judgeParameters = judgeParameters == null ? Map.of() : Map.copyOf(judgeParameters);
        trainer = trainer == null ? Map.of() : Map.copyOf(trainer);
        judge = judge == null ? "" : judge;
    }
}
