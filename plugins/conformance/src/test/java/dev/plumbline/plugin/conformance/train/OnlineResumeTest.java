package dev.plumbline.plugin.conformance.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.engine.train.TrainerEvent;
import dev.plumbline.engine.train.TrainingRequest;
import dev.plumbline.engine.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online runs are a pure function of the seed: the same seed gives byte-identical weights, and a run
 * cancelled after a checkpoint and started again on the same output directory ends with exactly the
 * weights (and, for PPO, the value model) of an uninterrupted run.
 */
class OnlineResumeTest {

    static byte[] bytes(Path file) throws IOException {
        return Files.readAllBytes(file);
    }

    void check(String algorithm, Map<String, Object> parameters, Map<String, Object> trainer, List<String> files,
            Path tmp) throws IOException {
        OnlineFixture f = OnlineFixture.get();
        TrainingRequest first = f.request(algorithm, parameters, OnlineFixture.REWARD_JUDGE, 11, tmp.resolve("a"), trainer);
        TrainingRequest second = f.request(algorithm, parameters, OnlineFixture.REWARD_JUDGE, 11, tmp.resolve("b"),
                trainer);
        TrainingRequest resumed = f.request(algorithm, parameters, OnlineFixture.REWARD_JUDGE, 11, tmp.resolve("c"),
                trainer);
        TrainingRequest otherSeed = f.request(algorithm, parameters, OnlineFixture.REWARD_JUDGE, 12, tmp.resolve("d"),
                trainer);
        TrainingResult a = f.train(first, new ArrayList<>());
        TrainingResult b = f.train(second, new ArrayList<>());

        List<TrainerEvent> events = new ArrayList<>();
        TrainingResult stopped = f.train(resumed, events,
                () -> events.stream().anyMatch(TrainerEvent.CheckpointSaved.class::isInstance));
        assertThat(stopped.cancelled()).isTrue();
        assertThat(stopped.steps()).isEqualTo(2);
        assertThat(tmp.resolve("c/checkpoint-2")).isDirectory();
        assertThat(tmp.resolve("c/model.safetensors")).doesNotExist();
        List<TrainerEvent> again = new ArrayList<>();
        TrainingResult c = f.train(resumed, again);
        assertThat(again.get(0)).isEqualTo(new TrainerEvent.Started(2, 4, tmp.resolve("c/checkpoint-2")));
        assertThat(c.cancelled()).isFalse();
        assertThat(c.steps()).isEqualTo(4);
        TrainingResult d = f.train(otherSeed, new ArrayList<>());

        for (String file : files) {
            byte[] expected = bytes(a.outputDir().resolve(file));
            assertThat(bytes(b.outputDir().resolve(file))).as("same seed: " + file).isEqualTo(expected);
            assertThat(bytes(c.outputDir().resolve(file))).as("resumed: " + file).isEqualTo(expected);
        }
        assertThat(bytes(d.outputDir().resolve("model.safetensors")))
                .isNotEqualTo(bytes(a.outputDir().resolve("model.safetensors")));
        assertThat(bytes(a.outputDir().resolve("model.safetensors")))
                .isNotEqualTo(bytes(f.base.resolve("model.safetensors")));
    }

    @Test
    void grpoResumesExactly(@TempDir Path tmp) throws IOException {
        check("grpo", Map.of("num_generations", 2, "beta", 0.04), OnlineTrainersTest.trainer("max_steps", 4,
                "save_steps", 2, "per_device_train_batch_size", 4, "gradient_accumulation_steps", 2,
                "learning_rate", 1e-3, "lr_scheduler_type", "linear", "warmup_steps", 1),
                List.of("model.safetensors"), tmp);
    }

    @Test
    void ppoResumesExactlyValueModelIncluded(@TempDir Path tmp) throws IOException {
        check("ppo", Map.of(), OnlineTrainersTest.trainer("max_steps", 4, "save_steps", 2,
                "per_device_train_batch_size", 4, "num_ppo_epochs", 2, "num_mini_batches", 2, "learning_rate", 1e-3,
                "lr_scheduler_type", "linear"), List.of("model.safetensors", "value_model/model.safetensors",
                "value_model/config.json"), tmp);
        Path out = tmp.resolve("a");
        assertThat(out.resolve("value_model/config.json")).content().contains("LlamaForSequenceClassification");
        try (dev.plumbline.engine.model.checkpoint.SafetensorsFile file = dev.plumbline.engine.model.checkpoint
                .SafetensorsFile.open(out.resolve("value_model/model.safetensors"))) {
            assertThat(file.tensors()).containsKey("score.weight").doesNotContainKey("lm_head.weight");
            assertThat(file.info("score.weight").shape()).containsExactly(1, 32);
        }
        // The optimizer state covers the value model too.
        try (dev.plumbline.engine.model.checkpoint.SafetensorsFile file = dev.plumbline.engine.model.checkpoint
                .SafetensorsFile.open(tmp.resolve("a/checkpoint-2/optimizer.safetensors"))) {
            assertThat(file.tensors()).containsKey("exp_avg.value_model.score.weight");
        }
    }
}
