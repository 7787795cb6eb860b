package dev.plumbline.server.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Map;

/**
 * A training run as requested (the fields of {@code StartTrainingRequest}), stored as the run's
 * {@code config_json} in canonical JSON (keys sorted) once the server has filled in the output
 * model id and made the data paths absolute, so a restarted server plans the same run again and
 * resumes it.
 *
 * @param baseModel a local model id under the models directory ({@code local:} prefix allowed) or a
 *     checkpoint directory
 * @param dataset offline algorithms: TRL-format JSONL; relative paths resolve against the data directory
 * @param promptSet online algorithms: prompt-only JSONL; relative paths resolve against the data directory
 * @param output model id of the trained model under the models directory; empty = {@code <base>-<algorithm>-<run>}
 * @param trainer trainer settings by TRL name (learning_rate, max_steps, ...)
 */
@io.quarkus.runtime.annotations.RegisterForReflection
public record TrainingConfig(
        @JsonProperty("algorithm") String algorithm,
        @JsonProperty("parameters") Map<String, Object> parameters,
        @JsonProperty("base_model") String baseModel,
        @JsonProperty("dataset") String dataset,
        @JsonProperty("prompt_set") String promptSet,
        @JsonProperty("judge") String judge,
        @JsonProperty("judge_parameters") Map<String, Object> judgeParameters,
        @JsonProperty("seed") long seed,
        @JsonProperty("output") String output,
        @JsonProperty("trainer") Map<String, Object> trainer,
        @JsonProperty("name") String name) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .build();

    public TrainingConfig {
        algorithm = algorithm == null ? "" : algorithm;
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        baseModel = baseModel == null ? "" : baseModel;
        dataset = dataset == null ? "" : dataset;
        promptSet = promptSet == null ? "" : promptSet;
        judge = judge == null ? "" : judge;
        judgeParameters = judgeParameters == null ? Map.of() : Map.copyOf(judgeParameters);
        output = output == null ? "" : output;
        trainer = trainer == null ? Map.of() : Map.copyOf(trainer);
        name = name == null ? "" : name;
    }

    TrainingConfig with(String dataset, String promptSet, String output) {
        return new TrainingConfig(algorithm, parameters, baseModel, dataset, promptSet, judge, judgeParameters, seed,
                output, trainer, name);
    }

    /** Canonical JSON: properties and map keys sorted, numbers keep their integer/decimal type. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a training config", e);
        }
    }

    public static TrainingConfig fromJson(String json) {
        try {
            return JSON.readValue(json, TrainingConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt training config in the database: " + e.getOriginalMessage(), e);
        }
    }
}
