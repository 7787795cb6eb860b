package dev.plumbline.server.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.proto.v1.ChatMessage;
import dev.plumbline.proto.v1.GenerateRequest;
import dev.plumbline.proto.v1.GenerateResponse;
import dev.plumbline.proto.v1.GenerationSettings;
import dev.plumbline.proto.v1.ListModelsRequest;
import dev.plumbline.proto.v1.ModelInfo;
import dev.plumbline.proto.v1.ModelServiceGrpc;
import dev.plumbline.proto.v1.ParameterValue;
import dev.plumbline.proto.v1.Run;
import dev.plumbline.proto.v1.RunEvent;
import dev.plumbline.proto.v1.RunEventType;
import dev.plumbline.proto.v1.RunState;
import dev.plumbline.proto.v1.StartTrainingRequest;
import dev.plumbline.proto.v1.TrainingServiceCancelRunRequest;
import dev.plumbline.proto.v1.TrainingServiceGetRunRequest;
import dev.plumbline.proto.v1.TrainingServiceGrpc;
import dev.plumbline.proto.v1.TrainingServiceListRunsRequest;
import dev.plumbline.proto.v1.TrainingServiceWatchRunRequest;
import dev.plumbline.server.grpc.TestChannels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TrainingService over gRPC: every bad input is INVALID_ARGUMENT / NOT_FOUND with the field path
 * before any run exists; a DPO run on a tiny Llama streams state, metrics under TRL's names and
 * checkpoint events, records its checkpoints and ends with a model ModelService lists and serves;
 * CancelRun stops the trainer itself.
 */
@QuarkusTest
class TrainingServiceTest {

    @Inject
    TrainingService trainings;

    ManagedChannel channel;
    TrainingServiceGrpc.TrainingServiceBlockingStub training;

    @BeforeEach
    void connect() {
        channel = TestChannels.open();
        training = TrainingServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    static ParameterValue num(double v) {
        return ParameterValue.newBuilder().setNumberValue(v).build();
    }

    static ParameterValue integer(long v) {
        return ParameterValue.newBuilder().setIntegerValue(v).build();
    }

    /** A valid DPO request on the tiny base; tests change what they need. */
    static StartTrainingRequest.Builder dpo(String output) {
        return StartTrainingRequest.newBuilder()
                .setAlgorithm("dpo")
                .putParameters("beta", num(0.1))
                .setBaseModel(TrainingFixtures.tinyBase())
                .setDataset(TrainingFixtures.dpoDataset().toString())
                .setSeed(42)
                .setOutput(output)
                .putTrainer("learning_rate", num(1e-3))
                .putTrainer("per_device_train_batch_size", integer(2))
                .putTrainer("max_steps", integer(6))
                .putTrainer("logging_steps", integer(1))
                .putTrainer("save_steps", integer(2))
                .setName("dpo-tiny");
    }

    private void assertRejected(StartTrainingRequest request, Status.Code code, String field, String... inMessage) {
        int before = training.listRuns(TrainingServiceListRunsRequest.newBuilder().setPageSize(1000).build()).getRunsCount();
        assertThatThrownBy(() -> training.startTraining(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
                    assertThat(TestChannels.field(e)).as(e.getStatus().toString()).isEqualTo(field);
                    if (inMessage.length > 0) {
                        assertThat(e.getStatus().getDescription()).contains(inMessage);
                    }
                });
        int after = training.listRuns(TrainingServiceListRunsRequest.newBuilder().setPageSize(1000).build()).getRunsCount();
        assertThat(after).as("no run is created for a rejected request").isEqualTo(before);
    }

    @Test
    void badInputIsRejectedWithTheFieldBeforeAnyRunExists() throws Exception {
        String out = TrainingFixtures.freshOutput("rejected");
        assertRejected(dpo(out).setAlgorithm("no-such-algorithm").build(), Status.Code.INVALID_ARGUMENT, "algorithm",
                "no-such-algorithm");
        assertRejected(dpo(out).setBaseModel("no/such-model").build(), Status.Code.NOT_FOUND, "base_model", "no/such-model");
        assertRejected(dpo(out).setBaseModel("../../etc").build(), Status.Code.INVALID_ARGUMENT, "base_model");
        assertRejected(dpo(out).putParameters("beta", num(-1)).build(), Status.Code.INVALID_ARGUMENT, "parameters.beta");
        assertRejected(dpo(out).putTrainer("no_such_setting", integer(1)).build(), Status.Code.INVALID_ARGUMENT,
                "trainer.no_such_setting");

        Path missingField = TrainingFixtures.write("bad", List.of(
                "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}",
                "{\"prompt\": \"a\", \"rejected\": \"c\"}"));
        assertRejected(dpo(out).setDataset(missingField.toString()).build(), Status.Code.INVALID_ARGUMENT,
                missingField + ":2 chosen");
        Path notJson = TrainingFixtures.write("bad", List.of("{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}",
                "", "this is not json"));
        assertRejected(dpo(out).setDataset(notJson.toString()).build(), Status.Code.INVALID_ARGUMENT, notJson + ":3",
                "malformed JSON");
        assertRejected(dpo(out).setDataset("no-such-file.jsonl").build(), Status.Code.INVALID_ARGUMENT, "dataset",
                "no such file");
        assertRejected(dpo(out).setJudge("refusal").build(), Status.Code.INVALID_ARGUMENT, "judge");

        StartTrainingRequest.Builder grpo = dpo(out).setAlgorithm("grpo").clearParameters().clearDataset()
                .setPromptSet(TrainingFixtures.promptSet().toString());
        assertRejected(grpo.clone().setJudge("no-such-judge").build(), Status.Code.INVALID_ARGUMENT, "judge", "no-such-judge");
        assertRejected(grpo.clone().setJudge("refusal").clearPromptSet().build(), Status.Code.INVALID_ARGUMENT, "prompt_set");

        assertRejected(dpo(TrainingFixtures.BASE).build(), Status.Code.INVALID_ARGUMENT, "output", "exists");
        assertRejected(dpo("../outside").build(), Status.Code.INVALID_ARGUMENT, "output");
        assertRejected(dpo("/abs/path").build(), Status.Code.INVALID_ARGUMENT, "output");
        assertThat(Files.exists(TrainingFixtures.modelsDir().resolve(out))).isFalse();
    }

    @Test
    void dpoRunStreamsMetricsAndCheckpointsAndEndsWithAServableModel() {
        String out = TrainingFixtures.freshOutput("dpo");
        Run run = training.startTraining(dpo(out).build()).getRun();
        assertThat(run.getState()).isEqualTo(RunState.RUN_STATE_QUEUED);
        assertThat(run.getProgressTotal()).isEqualTo(6);
        assertThat(run.getConfigJson()).contains("\"output\":\"" + out + "\"", "\"algorithm\":\"dpo\"");

        List<RunEvent> events = new ArrayList<>();
        training.withDeadlineAfter(300, TimeUnit.SECONDS)
                .watchRun(TrainingServiceWatchRunRequest.newBuilder().setRunId(run.getId()).build())
                .forEachRemaining(r -> events.add(r.getEvent()));

        Run done = training.getRun(TrainingServiceGetRunRequest.newBuilder().setRunId(run.getId()).build()).getRun();
        assertThat(done.getState()).as(done.getError()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);
        assertThat(events).extracting(RunEvent::getSequence).as("gap-free sequence")
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(events).filteredOn(e -> e.getType() == RunEventType.RUN_EVENT_TYPE_STATE).extracting(RunEvent::getState)
                .containsExactly(RunState.RUN_STATE_QUEUED, RunState.RUN_STATE_RUNNING, RunState.RUN_STATE_SUCCEEDED);
        List<RunEvent> metrics = events.stream().filter(e -> e.getType() == RunEventType.RUN_EVENT_TYPE_METRICS).toList();
        assertThat(metrics).extracting(RunEvent::getStep).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        for (RunEvent m : metrics) {
            assertThat(m.getMetricsMap()).containsKeys("loss", "rewards/accuracies", "rewards/margins", "rewards/chosen",
                    "rewards/rejected", "learning_rate", "grad_norm");
        }
        assertThat(events).filteredOn(e -> e.getType() == RunEventType.RUN_EVENT_TYPE_LOG).extracting(RunEvent::getMessage)
                .anyMatch(m -> m.contains("saved checkpoint checkpoint-2"))
                .anyMatch(m -> m.contains("saved checkpoint checkpoint-4"));
        assertThat(events).filteredOn(e -> e.getType() == RunEventType.RUN_EVENT_TYPE_PROGRESS).last()
                .satisfies(e -> assertThat(e.getProgressDone()).isEqualTo(6));
        assertThat(done.getProgressDone()).isEqualTo(6);
        assertThat(done.getLatestMetricsMap()).containsKeys("loss", "rewards/accuracies", "rewards/margins");
        assertThat(events.get(events.size() - 1).getMessage()).contains(out);

        assertThat(trainings.checkpoints(run.getId())).extracting(TrainingStorage.CheckpointRecord::step,
                TrainingStorage.CheckpointRecord::kind).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(2L, TrainingStorage.CHECKPOINT),
                        org.assertj.core.groups.Tuple.tuple(4L, TrainingStorage.CHECKPOINT),
                        org.assertj.core.groups.Tuple.tuple(6L, TrainingStorage.FINAL));
        Path outDir = TrainingFixtures.modelsDir().resolve(out);
        assertThat(outDir.resolve("model.safetensors")).isRegularFile();
        assertThat(outDir.resolve("trainer_state.json")).isRegularFile();
        assertThat(outDir.resolve("training_args.json")).isRegularFile();

        ModelServiceGrpc.ModelServiceBlockingStub models = ModelServiceGrpc.newBlockingStub(channel);
        assertThat(models.listModels(ListModelsRequest.newBuilder().setProvider("local").build()).getModelsList())
                .extracting(ModelInfo::getId).contains(out);
        Iterator<GenerateResponse> reply = models.withDeadlineAfter(120, TimeUnit.SECONDS).generate(GenerateRequest.newBuilder()
                .setModel(out).addMessages(ChatMessage.newBuilder().setRole("user").setContent("Capital of France?"))
                .setSettings(GenerationSettings.newBuilder().setMaxNewTokens(4).setTemperature(0)).build());
        GenerateResponse last = null;
        while (reply.hasNext()) {
            last = reply.next();
        }
        assertThat(last).isNotNull();
        assertThat(last.getDone()).isTrue();
    }

    @Test
    void cancelRunStopsTheRunningTrainer() throws Exception {
        String out = TrainingFixtures.freshOutput("cancel");
        Run run = training.startTraining(dpo(out).putTrainer("max_steps", integer(100_000)).putTrainer("save_steps",
                integer(0)).build()).getRun();
        Iterator<dev.plumbline.proto.v1.TrainingServiceWatchRunResponse> watch = training.withDeadlineAfter(300,
                TimeUnit.SECONDS).watchRun(TrainingServiceWatchRunRequest.newBuilder().setRunId(run.getId()).build());
        while (watch.hasNext()) {
            RunEvent e = watch.next().getEvent();
            if (e.getType() == RunEventType.RUN_EVENT_TYPE_METRICS) {
                break;
            }
            assertThat(e.getState()).as(e.getMessage()).isNotIn(RunState.RUN_STATE_FAILED, RunState.RUN_STATE_SUCCEEDED);
        }
        assertThat(trainings.executing(run.getId())).isTrue();

        Run cancelled = training.cancelRun(TrainingServiceCancelRunRequest.newBuilder().setRunId(run.getId())
                .setReason("test").build()).getRun();
        assertThat(cancelled.getState()).isEqualTo(RunState.RUN_STATE_CANCELLED);
        assertThat(cancelled.getError()).contains("test");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (trainings.executing(run.getId()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(trainings.executing(run.getId())).as("the trainer stopped").isFalse();
        long stoppedAt = training.getRun(TrainingServiceGetRunRequest.newBuilder().setRunId(run.getId()).build()).getRun()
                .getProgressDone();
        Thread.sleep(500);
        Run after = training.getRun(TrainingServiceGetRunRequest.newBuilder().setRunId(run.getId()).build()).getRun();
        assertThat(after.getState()).isEqualTo(RunState.RUN_STATE_CANCELLED);
        assertThat(after.getProgressDone()).isEqualTo(stoppedAt).isLessThan(100_000);
        assertThat(TrainingFixtures.modelsDir().resolve(out).resolve("model.safetensors")).doesNotExist();
        assertThatThrownBy(() -> training.cancelRun(TrainingServiceCancelRunRequest.newBuilder().setRunId(run.getId()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    }

    static StartTrainingRequest.Builder grpo(String output, String judge) {
        return StartTrainingRequest.newBuilder()
                .setAlgorithm("grpo")
                .setBaseModel(TrainingFixtures.tinyBase())
                .setPromptSet(TrainingFixtures.promptSet().toString())
                .setJudge(judge)
                .setSeed(9)
                .setOutput(output)
                .putTrainer("learning_rate", num(1e-3))
                .putTrainer("num_generations", integer(2))
                .putTrainer("per_device_train_batch_size", integer(4))
                .putTrainer("max_completion_length", integer(8))
                .putTrainer("max_steps", integer(2))
                .putTrainer("logging_steps", integer(1));
    }

    private List<RunEvent> watchToTheEnd(Run run) {
        List<RunEvent> events = new ArrayList<>();
        training.withDeadlineAfter(300, TimeUnit.SECONDS)
                .watchRun(TrainingServiceWatchRunRequest.newBuilder().setRunId(run.getId()).build())
                .forEachRemaining(r -> events.add(r.getEvent()));
        return events;
    }

    @Test
    void judgeFailuresDuringRolloutsAreCountedNeverRewards() {
        Run run = training.startTraining(grpo(TrainingFixtures.freshOutput("grpo-failing"), "test-exploding").build())
                .getRun();
        List<RunEvent> events = watchToTheEnd(run);
        Run done = training.getRun(TrainingServiceGetRunRequest.newBuilder().setRunId(run.getId()).build()).getRun();
        List<RunEvent> metrics = events.stream().filter(e -> e.getType() == RunEventType.RUN_EVENT_TYPE_METRICS).toList();
        assertThat(done.getState()).as(done.getError()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);
        assertThat(metrics).extracting(RunEvent::getStep).containsExactly(1L, 2L);
        for (RunEvent m : metrics) {
            // 2 prompts x 2 generations per step, every judgement failed: counted, the step skipped, no reward.
            assertThat(m.getMetricsMap()).containsEntry("judge/failures", 4.0).containsEntry("judge/skipped_steps", 1.0)
                    .doesNotContainKeys("reward", "reward_std", "loss");
        }
    }

    @Test
    void grpoRunWithTheRulesJudgeLogsRewardsFromRollouts() {
        String out = TrainingFixtures.freshOutput("grpo");
        Run run = training.startTraining(grpo(out, "rules")
                .putJudgeParameters("category", ParameterValue.newBuilder().setStringValue("benign").build()).build())
                .getRun();
        List<RunEvent> events = watchToTheEnd(run);
        Run done = training.getRun(TrainingServiceGetRunRequest.newBuilder().setRunId(run.getId()).build()).getRun();
        assertThat(done.getState()).as(done.getError()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);
        List<RunEvent> metrics = events.stream().filter(e -> e.getType() == RunEventType.RUN_EVENT_TYPE_METRICS).toList();
        assertThat(metrics).extracting(RunEvent::getStep).containsExactly(1L, 2L);
        assertThat(metrics.get(0).getMetricsMap()).containsKeys("loss", "reward", "reward_std", "judge/failures")
                .containsEntry("judge/failures", 0.0);
        assertThat(TrainingFixtures.modelsDir().resolve(out).resolve("model.safetensors")).isRegularFile();
    }
}
