package dev.plumbline.engine.eval;

import java.util.List;
import java.util.Map;

/**
 * Everything needed to reproduce or audit a run (evaluation.md §0.3): suite identity, the data
 * files with their SHA-256, prompt and generation settings, every candidate's model identity,
 * every judge with its version and the rubric hashes and judge models actually seen, seeds, the
 * code version and timestamps.
 */
public record RunManifest(
        String schema,
        SuiteInfo suite,
        DatasetInfo dataset,
        PromptInfo prompt,
        Suite.Generation generation,
        List<CandidateInfo> candidates,
        List<JudgeInfo> judges,
        Seeds seeds,
        String codeVersion,
        String javaVersion,
        String startedAt,
        String finishedAt,
        boolean complete,
        int generationParallelism,
        int judgeParallelism) {

    public static final String SCHEMA = "plumbline.evaluation/v1";

    public RunManifest {
        candidates = List.copyOf(candidates);
        judges = List.copyOf(judges);
    }

    /** @param sha256 of the suite file's bytes */
    public record SuiteInfo(String id, int version, String sha256, String source, String description, String task,
            String primaryMetric) {}

    /**
     * @param builtin whether the project-written set was used
     * @param reason why (the choice is explicit: requested, or which external files were missing)
     */
    public record DatasetInfo(boolean builtin, String reason, int items, int limit, List<DataFile> files) {
        public DatasetInfo {
            files = List.copyOf(files);
        }
    }

    public record PromptInfo(String system, String template, String systemSha256, String templateSha256,
            String choiceCompletions) {}

    /**
     * @param kind {@code model} or {@code responses}
     * @param source the model id given to the resolver, or the responses file path
     * @param identityFingerprint {@link ModelIdentity#fingerprint()}, part of every generation cache key
     */
    public record CandidateInfo(String id, String kind, String source, ModelIdentity identity, String identityFingerprint,
            int matchedItems) {}

    /**
     * @param observed provenance seen in this run's verdicts: distinct {@code version|rubricHash|model} strings
     */
    public record JudgeInfo(String dimension, String kind, String judgeId, String judgeVersion, Map<String, Object> parameters,
            String value, int turn, String configHash, List<String> observed) {
        public JudgeInfo {
            parameters = Map.copyOf(parameters);
            observed = List.copyOf(observed);
        }
    }

    /**
     * @param generationSeed the suite's base seed
     * @param derivation how per-sample seeds follow from it
     */
    public record Seeds(long generationSeed, String derivation, int bootstrapRounds, long bootstrapSeed, double confidenceLevel) {}
}
