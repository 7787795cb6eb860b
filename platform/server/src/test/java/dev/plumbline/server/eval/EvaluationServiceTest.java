package dev.plumbline.server.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.engine.eval.SampleRecord;
import dev.plumbline.engine.run.RunKind;
import dev.plumbline.engine.run.RunState;
import dev.plumbline.proto.v1.Candidate;
import dev.plumbline.proto.v1.EvaluationServiceCancelRunRequest;
import dev.plumbline.proto.v1.EvaluationServiceGetRunRequest;
import dev.plumbline.proto.v1.EvaluationServiceGrpc;
import dev.plumbline.proto.v1.EvaluationServiceListRunsRequest;
import dev.plumbline.proto.v1.EvaluationServiceWatchRunRequest;
import dev.plumbline.proto.v1.GetLeaderboardRequest;
import dev.plumbline.proto.v1.GetLeaderboardResponse;
import dev.plumbline.proto.v1.GetReportRequest;
import dev.plumbline.proto.v1.GetReportResponse;
import dev.plumbline.proto.v1.LeaderboardEntry;
import dev.plumbline.proto.v1.LeaderboardServiceGrpc;
import dev.plumbline.proto.v1.MetricValue;
import dev.plumbline.proto.v1.ParameterValue;
import dev.plumbline.proto.v1.ReportFormat;
import dev.plumbline.proto.v1.Run;
import dev.plumbline.proto.v1.RunEvent;
import dev.plumbline.proto.v1.RunEventType;
import dev.plumbline.proto.v1.StartEvaluationRequest;
import dev.plumbline.server.grpc.TestChannels;
import dev.plumbline.server.run.RunSnapshot;
import dev.plumbline.server.run.RunStore;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Evaluation runs end to end over gRPC with the real refusal and rules judges: two response-file
 * candidates (one refuses everything, one refuses only harmful requests) plus the test echo model
 * on the built-in harmlessness set; report, leaderboard, cancellation, resume and named input errors.
 */
@QuarkusTest
class EvaluationServiceTest {

    private static final String REFUSAL = "I'm sorry, but I can't help with that.";
    private static final String HELPFUL = "Sure! Here is a practical answer: start with the basics, work through each step "
            + "carefully, and check the result at the end. The key idea is to keep every step small and clear.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path refusingFile;
    private static Path safeHelpfulFile;

    @Inject
    RunStore runStore;

    @Inject
    EvaluationStorage storage;

    @Inject
    EvaluationService evaluations;

    ManagedChannel channel;
    EvaluationServiceGrpc.EvaluationServiceBlockingStub eval;
    LeaderboardServiceGrpc.LeaderboardServiceBlockingStub leaderboard;

    @BeforeAll
    static void writeResponseFiles() throws IOException {
        Path dir = Files.createTempDirectory("plumbline-eval-test");
        List<String> refusing = new ArrayList<>();
        List<String> safeHelpful = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("../../evals/prompts/harmlessness.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode item = JSON.readTree(line);
            String id = item.get("id").asText();
            boolean harmful = item.get("category").asText().equals("harmful");
            refusing.add(JSON.createObjectNode().put("id", id).put("response", REFUSAL).toString());
            safeHelpful.add(JSON.createObjectNode().put("id", id).put("response", harmful ? REFUSAL : HELPFUL).toString());
        }
        refusingFile = Files.write(dir.resolve("always-refuses.jsonl"), refusing);
        safeHelpfulFile = Files.write(dir.resolve("safe-helpful.jsonl"), safeHelpful);
    }

    @BeforeEach
    void connect() {
        channel = TestChannels.open();
        eval = EvaluationServiceGrpc.newBlockingStub(channel);
        leaderboard = LeaderboardServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    private static StartEvaluationRequest.Builder harmlessness() {
        return StartEvaluationRequest.newBuilder().setSuite("harmlessness").setName("harmlessness-test")
                .addCandidates(Candidate.newBuilder().setName("always-refuses").setResponsesFile(refusingFile.toString()))
                .addCandidates(Candidate.newBuilder().setName("safe-helpful").setResponsesFile(safeHelpfulFile.toString()))
                .addCandidates(Candidate.newBuilder().setName("echo").setModel("echo"));
    }

    private Run awaitEnd(String runId) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline) {
            Run run = eval.getRun(EvaluationServiceGetRunRequest.newBuilder().setRunId(runId).build()).getRun();
            if (run.getState() == dev.plumbline.proto.v1.RunState.RUN_STATE_SUCCEEDED
                    || run.getState() == dev.plumbline.proto.v1.RunState.RUN_STATE_FAILED
                    || run.getState() == dev.plumbline.proto.v1.RunState.RUN_STATE_CANCELLED) {
                return run;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + runId + " did not end");
    }

    @Test
    void harmlessnessRunRanksTheSafeHelpfulCandidateFirstWithIntervals() throws Exception {
        Run started = eval.startEvaluation(harmlessness().build()).getRun();
        assertThat(started.getProgressTotal()).isEqualTo(3 * 32);
        assertThat(JSON.readTree(started.getConfigJson()).get("suite").asText()).isEqualTo("harmlessness");

        Run run = awaitEnd(started.getId());
        assertThat(run.getState()).as(run.getError()).isEqualTo(dev.plumbline.proto.v1.RunState.RUN_STATE_SUCCEEDED);
        assertThat(run.getProgressDone()).isEqualTo(96);
        assertThat(run.getLatestMetricsMap()).containsKey("safe-helpful/harmlessness_score")
                .containsKey("safe-helpful/harmlessness_score/ci_low");

        List<RunEvent> events = new ArrayList<>();
        eval.watchRun(EvaluationServiceWatchRunRequest.newBuilder().setRunId(run.getId()).build())
                .forEachRemaining(r -> events.add(r.getEvent()));
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).getSequence()).isEqualTo(i + 1); // gap-free
        }
        assertThat(events).anyMatch(e -> e.getType() == RunEventType.RUN_EVENT_TYPE_PROGRESS && e.getProgressDone() == 96);
        assertThat(events.stream().filter(e -> e.getType() == RunEventType.RUN_EVENT_TYPE_METRICS)).hasSize(3);

        // JSON report: manifest, aggregates and every sample exactly once.
        GetReportResponse jsonReport = eval.getReport(GetReportRequest.newBuilder().setRunId(run.getId())
                .setFormat(ReportFormat.REPORT_FORMAT_JSON).build());
        assertThat(jsonReport.getContentType()).isEqualTo("application/json");
        JsonNode report = JSON.readTree(jsonReport.getContent().toStringUtf8());
        assertThat(report.at("/manifest/suite/id").asText()).isEqualTo("harmlessness");
        assertThat(report.at("/manifest/judges").toString()).contains("\"refusal\"").contains("\"rules\"");
        Set<String> keys = new HashSet<>();
        for (JsonNode s : report.get("samples")) {
            assertThat(keys.add(s.at("/key/candidate_id").asText() + "/" + s.at("/key/item_id").asText())).isTrue();
        }
        assertThat(keys).hasSize(96);
        JsonNode metrics = report.get("metrics");
        assertThat(metricValue(metrics, "always-refuses", "over_refusal_rate_benign")).isEqualTo(1.0);
        assertThat(metricValue(metrics, "safe-helpful", "over_refusal_rate_benign")).isEqualTo(0.0);
        assertThat(metricValue(metrics, "safe-helpful", "refusal_rate_harmful")).isEqualTo(1.0);
        assertThat(metricValue(metrics, "echo", "refusal_rate_harmful")).isLessThan(0.5);

        GetReportResponse csv = eval.getReport(GetReportRequest.newBuilder().setRunId(run.getId())
                .setFormat(ReportFormat.REPORT_FORMAT_CSV).build());
        assertThat(csv.getContentType()).isEqualTo("text/csv");
        List<String> lines = csv.getContent().toStringUtf8().lines().filter(l -> l.startsWith("harmlessness,")).toList();
        assertThat(lines).hasSize(96);

        // Leaderboard: CI-separation ranks, the safe and helpful candidate alone at the top.
        GetLeaderboardResponse board = leaderboard.getLeaderboard(GetLeaderboardRequest.newBuilder().setSuite("harmlessness").build());
        assertThat(board.getMetric()).isEqualTo("harmlessness_score");
        assertThat(board.getEntriesList()).extracting(LeaderboardEntry::getModel).contains("always-refuses", "safe-helpful", "echo");
        LeaderboardEntry first = board.getEntries(0);
        assertThat(first.getModel()).isEqualTo("safe-helpful");
        assertThat(first.getRank()).isEqualTo(1);
        assertThat(board.getEntriesList().subList(1, 3)).allMatch(e -> e.getRank() > 1);
        MetricValue score = first.getMetricsOrThrow("harmlessness_score");
        assertThat(score.getCiLow()).isLessThanOrEqualTo(score.getValue());
        assertThat(score.getCiHigh()).isGreaterThanOrEqualTo(score.getValue());
        assertThat(score.getCount()).isEqualTo(32);
        LeaderboardEntry refuses = board.getEntriesList().stream().filter(e -> e.getModel().equals("always-refuses")).findFirst().orElseThrow();
        assertThat(refuses.getMetricsOrThrow("harmlessness_score").getCiHigh()).isLessThan(score.getCiLow());
        assertThat(first.getRunIdsList()).containsExactly(run.getId());

        GetLeaderboardResponse overall = leaderboard.getLeaderboard(GetLeaderboardRequest.getDefaultInstance());
        assertThat(overall.getMetric()).isEqualTo("suite_rank_score");
        assertThat(overall.getEntries(0).getModel()).isEqualTo("safe-helpful");
        assertThat(overall.getEntries(0).getMetricsMap()).containsKey("harmlessness/harmlessness_score");

        // A crash mid-run: a RUNNING run with part of its samples stored resumes with none missing or duplicated.
        RunSnapshot crashed = runStore.create(RunKind.EVALUATION, "crashed", run.getConfigJson(), 96);
        runStore.transition(RunKind.EVALUATION, crashed.id(), RunState.RUNNING, "running");
        List<SampleRecord> done = storage.samples(run.getId());
        for (SampleRecord r : done.subList(0, 40)) {
            storage.saveSample(crashed.id(), r);
        }
        assertThat(evaluations.resumeUnfinished()).contains(crashed.id());
        Run resumed = awaitEnd(crashed.id());
        assertThat(resumed.getState()).as(resumed.getError()).isEqualTo(dev.plumbline.proto.v1.RunState.RUN_STATE_SUCCEEDED);
        assertThat(storage.samples(crashed.id())).hasSize(96);
        List<RunEvent> resumedEvents = new ArrayList<>();
        eval.watchRun(EvaluationServiceWatchRunRequest.newBuilder().setRunId(crashed.id()).build())
                .forEachRemaining(r -> resumedEvents.add(r.getEvent()));
        assertThat(resumedEvents).anyMatch(e -> e.getMessage().contains("40 of 96 samples were already stored"));
        assertThat(resumedEvents).anyMatch(e -> e.getState() == dev.plumbline.proto.v1.RunState.RUN_STATE_QUEUED
                && e.getMessage().contains("re-queued after a restart"));
        JsonNode resumedReport = JSON.readTree(eval.getReport(GetReportRequest.newBuilder().setRunId(crashed.id()).build())
                .getContent().toStringUtf8());
        assertThat(metricValue(resumedReport.get("metrics"), "safe-helpful", "harmlessness_score"))
                .isEqualTo(metricValue(metrics, "safe-helpful", "harmlessness_score"));
    }

    @Test
    void cancelStopsAQueuedOrRunningEvaluation() throws Exception {
        Run started = eval.startEvaluation(harmlessness().setName("to-cancel").build()).getRun();
        Run cancelled = eval.cancelRun(EvaluationServiceCancelRunRequest.newBuilder().setRunId(started.getId())
                .setReason("test").build()).getRun();
        assertThat(cancelled.getState()).isEqualTo(dev.plumbline.proto.v1.RunState.RUN_STATE_CANCELLED);
        Run after = awaitEnd(started.getId());
        assertThat(after.getState()).isEqualTo(dev.plumbline.proto.v1.RunState.RUN_STATE_CANCELLED);
        Thread.sleep(500);
        assertThat(eval.getRun(EvaluationServiceGetRunRequest.newBuilder().setRunId(started.getId()).build()).getRun()
                .getState()).isEqualTo(dev.plumbline.proto.v1.RunState.RUN_STATE_CANCELLED);
        assertThatThrownBy(() -> eval.cancelRun(EvaluationServiceCancelRunRequest.newBuilder().setRunId(started.getId()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    }

    @Test
    void badInputsAreRejectedBeforeARunExistsAndNameTheField() throws IOException {
        int before = eval.listRuns(EvaluationServiceListRunsRequest.newBuilder().setPageSize(1000).build()).getRunsCount();
        Path badRows = Files.createTempFile("answers", ".jsonl");
        Files.writeString(badRows, "{\"id\": \"harm-harmful-01\", \"response\": \"no\"}\n{\"id\": \"harm-harmful-02\"}\n");

        assertField(harmlessness().setSuite("harmlesness"), Status.Code.INVALID_ARGUMENT, "suite");
        assertField(harmlessness().clearCandidates().addCandidates(Candidate.newBuilder().setName("x").setModel("no-such-model")),
                Status.Code.INVALID_ARGUMENT, "candidates[0].model");
        assertField(harmlessness().addCandidates(Candidate.newBuilder().setName("missing").setResponsesFile("/nonexistent/a.jsonl")),
                Status.Code.INVALID_ARGUMENT, "candidates[3].responses_file");
        assertField(harmlessness().clearCandidates().addCandidates(Candidate.newBuilder().setName("rows").setResponsesFile(badRows.toString())),
                Status.Code.INVALID_ARGUMENT, badRows + ":2 response");
        assertField(harmlessness().putParameters("refusal.no_such_parameter", ParameterValue.newBuilder().setNumberValue(1).build()),
                Status.Code.INVALID_ARGUMENT, "harmlessness.yaml");
        assertField(harmlessness().putParameters("generation.temprature", ParameterValue.newBuilder().setNumberValue(0.5).build()),
                Status.Code.INVALID_ARGUMENT, "parameters.generation.temprature");
        assertField(harmlessness().clearCandidates().addCandidates(Candidate.newBuilder().setName("nothing")),
                Status.Code.INVALID_ARGUMENT, "candidates[0]");

        assertThat(eval.listRuns(EvaluationServiceListRunsRequest.newBuilder().setPageSize(1000).build()).getRunsCount())
                .isEqualTo(before);
        assertThatThrownBy(() -> eval.getReport(GetReportRequest.newBuilder().setRunId("no-such-run").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> leaderboard.getLeaderboard(GetLeaderboardRequest.newBuilder().setSuite("harmlessness")
                .setMetric("no_such_metric").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isIn(Status.Code.INVALID_ARGUMENT);
                    assertThat(TestChannels.field(e)).isEqualTo("metric");
                });
    }

    private static double metricValue(JsonNode metrics, String candidate, String metric) {
        for (JsonNode m : metrics.get(candidate)) {
            if (m.get("name").asText().equals(metric)) {
                return m.get("value").asDouble();
            }
        }
        throw new AssertionError("no metric " + metric + " for " + candidate + " in " + metrics);
    }

    private void assertField(StartEvaluationRequest.Builder request, Status.Code code, String fieldPrefix) {
        assertThatThrownBy(() -> eval.startEvaluation(request.build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
                    assertThat(TestChannels.field(e)).as(e.getStatus().getDescription()).startsWith(fieldPrefix);
                });
    }

}
