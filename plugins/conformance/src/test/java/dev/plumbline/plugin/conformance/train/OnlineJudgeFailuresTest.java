package dev.plumbline.plugin.conformance.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.engine.train.TrainerEvent;
import dev.plumbline.engine.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Judge failures during rollouts are counted in the metrics and never become rewards. */
class OnlineJudgeFailuresTest {

    static List<Map<String, Double>> steps(List<TrainerEvent> events) {
        return events.stream().filter(TrainerEvent.Step.class::isInstance).map(e -> ((TrainerEvent.Step) e).metrics())
                .toList();
    }

    static boolean sameWeights(Path a, Path b) throws IOException {
        return java.util.Arrays.equals(Files.readAllBytes(a.resolve("model.safetensors")),
                Files.readAllBytes(b.resolve("model.safetensors")));
    }

    @Test
    void failedVerdictsAreCountedAndTheirGroupsLeftOut(@TempDir Path tmp) throws IOException {
        OnlineFixture f = OnlineFixture.get();
        List<TrainerEvent> events = new ArrayList<>();
        TrainingResult r = f.train(f.request("grpo", Map.of("num_generations", 2), OnlineFixture.FLAKY_JUDGE, 3,
                tmp.resolve("grpo"), OnlineTrainersTest.trainer("max_steps", 4, "logging_steps", 1,
                        "per_device_train_batch_size", 8, "learning_rate", 1e-3)), events);
        List<Map<String, Double>> steps = steps(events);
        System.out.println("flaky grpo: " + steps.stream().map(m -> m.get("judge/failures") + "/"
                + m.get("judge/skipped_steps") + "/" + m.get("reward")).toList());
        assertThat(r.steps()).isEqualTo(4);
        assertThat(steps).hasSize(4);
        assertThat(steps.stream().mapToDouble(m -> m.get("judge/failures")).sum()).isPositive();
        // Failures are fewer than completions: most steps still update, and the policy moved.
        assertThat(steps).anySatisfy(m -> {
            assertThat(m.get("judge/failures")).isPositive();
            assertThat(m.get("judge/skipped_steps")).isZero();
            assertThat(m).containsKey("reward");
        });
        assertThat(sameWeights(r.outputDir(), f.base)).isFalse();

        List<TrainerEvent> pairwise = new ArrayList<>();
        f.train(f.request("nash-md", Map.of(), OnlineFixture.FLAKY_PAIRWISE_JUDGE, 3, tmp.resolve("nash"),
                OnlineTrainersTest.trainer("max_steps", 3, "logging_steps", 1, "per_device_train_batch_size", 6,
                        "learning_rate", 1e-3, "mixture_coef", 0.25)), pairwise);
        assertThat(steps(pairwise).stream().mapToDouble(m -> m.get("judge/failures")).sum()).isPositive();
        // trainer.mixture_coef applies when the request leaves the algorithm's parameter unset.
        assertThat(steps(pairwise)).allSatisfy(m -> assertThat(m).containsKey("rewards/probabilities")
                .containsEntry("mixture_coef", 0.25));
    }

    @Test
    void whenEveryVerdictFailsNothingIsUpdated(@TempDir Path tmp) throws IOException {
        OnlineFixture f = OnlineFixture.get();
        for (String algorithm : List.of("grpo", "ppo")) {
            List<TrainerEvent> events = new ArrayList<>();
            TrainingResult r = f.train(f.request(algorithm, algorithm.equals("grpo") ? Map.of("num_generations", 2)
                    : Map.of(), OnlineFixture.BROKEN_JUDGE, 3, tmp.resolve(algorithm),
                    OnlineTrainersTest.trainer("max_steps", 2, "logging_steps", 1, "per_device_train_batch_size", 4,
                            "learning_rate", 1e-2)), events);
            assertThat(r.steps()).isEqualTo(2);
            assertThat(steps(events)).hasSize(2).allSatisfy(m -> {
                assertThat(m.get("judge/failures")).isEqualTo(4.0);
                assertThat(m.get("judge/skipped_steps")).isEqualTo(1.0);
                assertThat(m).doesNotContainKeys("reward", "objective/scores", "loss");
            });
            assertThat(events).filteredOn(TrainerEvent.Message.class::isInstance).hasSize(2)
                    .allSatisfy(e -> assertThat(((TrainerEvent.Message) e).text()).contains("every judgement failed"));
            // A failure never became a reward: no optimizer step, the weights are the base model's.
            assertThat(sameWeights(r.outputDir(), f.base)).as(algorithm).isTrue();
        }
    }
}
