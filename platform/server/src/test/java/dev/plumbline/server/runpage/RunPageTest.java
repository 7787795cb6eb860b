package dev.plumbline.server.runpage;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.plumbline.engine.run.RunKind;
import dev.plumbline.engine.run.RunState;
import dev.plumbline.engine.train.TrainerListener;
import dev.plumbline.server.run.RunSnapshot;
import dev.plumbline.server.run.RunStore;
import dev.plumbline.server.train.TrainingConfig;
import dev.plumbline.server.train.TrainingFixtures;
import dev.plumbline.server.train.TrainingService;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The run page: a 5-step DPO run (metrics logged every step, checkpoints every 2) rendered at
 * {@code /runs/{id}} and loaded by headless Chromium, whose DOM must hold one SVG line chart per
 * metric with a 5-point polyline inside the plot area; an evaluation run's page links its report.
 */
@QuarkusTest
class RunPageTest {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final int STEPS = 5;
    private static final Pattern CHART = Pattern.compile(
            "<svg [^>]*class=\"curve-chart\" data-metric=\"([^\"]+)\" data-points=\"(\\d+)\"[^>]*>(.*?)</svg>", Pattern.DOTALL);
    private static final Pattern POLYLINE = Pattern.compile("<polyline [^>]*points=\"([^\"]*)\"");

    private static String runId;
    private static String output;

    @Inject
    TrainingService trainings;

    @Inject
    RunStore runs;

    @TestHTTPResource("/runs")
    URL runsUrl;

    @BeforeEach
    void trainOnce() {
        if (runId != null) {
            return;
        }
        output = TrainingFixtures.freshOutput("page");
        Map<String, Object> trainer = new LinkedHashMap<>();
        trainer.put("learning_rate", 1e-3);
        trainer.put("max_steps", (long) STEPS);
        trainer.put("per_device_train_batch_size", 2L);
        trainer.put("logging_steps", 1L);
        trainer.put("save_steps", 2L);
        TrainingConfig config = new TrainingConfig("dpo", Map.of("beta", 0.1), TrainingFixtures.tinyBase(),
                TrainingFixtures.dpoDataset().toString(), "", "", Map.of(), 5, output, trainer, "page-test");
        TrainingService.Outcome outcome = trainings.runHere(config, TrainerListener.NONE);
        assertThat(outcome.run().state()).as(outcome.run().error()).isEqualTo(RunState.SUCCEEDED);
        runId = outcome.run().id();
    }

    @Test
    void pagesAreHtmlWithoutScriptsAndUnknownRunsAre404() {
        String body = given().when().get("/runs/" + runId).then().statusCode(200).contentType("text/html").extract()
                .asString();
        assertThat(body).contains("SUCCEEDED", output, "Training curves", "data-metric=\"loss\"", "Checkpoints",
                "checkpoint-4", "trainer.learning_rate", "page-test").doesNotContain("<script");
        assertThat(given().when().get("/runs").then().statusCode(200).contentType("text/html").extract().asString())
                .contains("/runs/" + runId, "page-test");
        assertThat(given().when().get("/runs/no-such-run").then().statusCode(404).contentType("text/html").extract()
                .asString()).contains("Unknown run", "no-such-run");

        RunSnapshot evaluation = runs.create(RunKind.EVALUATION, "eval-page", "{\"suite\":\"harmlessness\"}", 3);
        String evalPage = given().when().get("/runs/" + evaluation.id()).then().statusCode(200).extract().asString();
        assertThat(evalPage).contains("QUEUED", "/runs/" + evaluation.id() + "/report.json", "/leaderboard/harmlessness")
                .doesNotContain("Training curves", "<polyline");
    }

    @Test
    void headlessChromiumRendersOnePolylinePerMetricWithOnePointPerLoggedStep() throws Exception {
        if (!Files.isExecutable(Path.of(CHROMIUM))) {
            fail(CHROMIUM + " is missing: run scripts/install-deps.sh (it installs the Debian chromium package)");
        }
        Path work = Files.createTempDirectory("plumbline-run-page");
        try {
            renderAndCheck(work);
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private void renderAndCheck(Path work) throws Exception {
        String url = "http://127.0.0.1:" + runsUrl.getPort() + "/runs/" + runId;
        String dom = Files.readString(chromium(work, List.of("--dump-dom", url), "dom.html"), StandardCharsets.UTF_8);

        Map<String, List<double[]>> charts = new LinkedHashMap<>();
        for (Matcher m = CHART.matcher(dom); m.find(); ) {
            Matcher line = POLYLINE.matcher(m.group(3));
            assertThat(line.find()).as("polyline of " + m.group(1)).isTrue();
            List<double[]> points = new ArrayList<>();
            for (String pair : line.group(1).trim().split("\\s+")) {
                String[] xy = pair.split(",");
                points.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
            }
            assertThat(points).as("points of " + m.group(1)).hasSize(Integer.parseInt(m.group(2)));
            charts.put(m.group(1), points);
        }
        assertThat(charts.keySet()).as("charts in the rendered DOM").contains("loss", "rewards/margins",
                "rewards/accuracies", "rewards/chosen", "rewards/rejected", "learning_rate", "grad_norm")
                .doesNotContain("epoch");
        assertThat(List.copyOf(charts.keySet()).subList(0, 3)).containsExactly("loss", "rewards/margins",
                "rewards/accuracies");
        charts.forEach((metric, points) -> {
            assertThat(points).as(metric).hasSize(STEPS);
            for (int i = 0; i < points.size(); i++) {
                assertThat(points.get(i)[1]).as(metric + " y").isBetween(14.0, 164.0);
                assertThat(points.get(i)[0]).as(metric + " x").isBetween(64.0, 348.0);
                if (i > 0) {
                    assertThat(points.get(i)[0]).as(metric + " x increases").isGreaterThan(points.get(i - 1)[0]);
                }
            }
        });

        Path png = work.resolve("run.png");
        chromium(work, List.of("--screenshot=" + png, "--window-size=1200,1400", url), "screenshot.log");
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length).as("screenshot size").isGreaterThan(10_000);
        assertThat(new String(bytes, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    /** Runs headless Chromium with a fresh profile and no background traffic; returns the file holding its stdout. */
    private static Path chromium(Path work, List<String> args, String stdoutName) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        List<String> command = new ArrayList<>(List.of(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile));
        command.addAll(args);
        Path stdout = work.resolve(stdoutName);
        Path stderr = work.resolve(stdoutName + ".stderr");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(45, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            fail("chromium timed out after 45 s: " + String.join(" ", command) + "\n" + Files.readString(stderr));
        }
        assertThat(process.exitValue()).as("chromium exit code; stderr:\n" + Files.readString(stderr)).isZero();
        return stdout;
    }
}
