package dev.plumbline.server.leaderboard;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.engine.eval.ProgressListener;
import dev.plumbline.engine.run.RunState;
import dev.plumbline.server.eval.EvaluationConfig;
import dev.plumbline.server.eval.EvaluationService;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTML leaderboard over HTTP and in a real browser: two response-file candidates evaluated on
 * the built-in harmlessness set with the real refusal and rules judges, then the page fetched and
 * rendered by headless Chromium, whose DOM must hold both rows in rank order and one mark per model
 * in every SVG plot.
 */
@QuarkusTest
class LeaderboardPageTest {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String SAFE = "html-safe-helpful";
    private static final String REFUSES = "html-always-refuses";
    private static final String REFUSAL = "I'm sorry, but I can't help with that.";
    private static final String HELPFUL = "Sure! Here is a practical answer: start with the basics, work through each step "
            + "carefully, and check the result at the end. The key idea is to keep every step small and clear.";
    private static final Pattern ROW = Pattern.compile("<tr data-model=\"([^\"]+)\" data-rank=\"([^\"]+)\">");
    private static final Pattern SVG = Pattern.compile("<svg [^>]*class=\"plot\"[^>]*>(.*?)</svg>", Pattern.DOTALL);
    private static final Pattern MARK = Pattern.compile("<g class=\"mark\" data-model=\"([^\"]+)\">");

    private static Path workDir;
    private static boolean evaluated;

    @Inject
    EvaluationService evaluations;

    @TestHTTPResource("/leaderboard/harmlessness")
    URL harmlessnessPage;

    @BeforeAll
    static void writeResponseFiles() throws IOException {
        ObjectMapper json = new ObjectMapper();
        workDir = Files.createTempDirectory("plumbline-leaderboard-page");
        List<String> refusing = new ArrayList<>();
        List<String> safeHelpful = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("../../evals/prompts/harmlessness.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode item = json.readTree(line);
            String id = item.get("id").asText();
            boolean harmful = item.get("category").asText().equals("harmful");
            refusing.add(json.createObjectNode().put("id", id).put("response", REFUSAL).toString());
            safeHelpful.add(json.createObjectNode().put("id", id).put("response", harmful ? REFUSAL : HELPFUL).toString());
        }
        Files.write(workDir.resolve("refuses.jsonl"), refusing);
        Files.write(workDir.resolve("safe-helpful.jsonl"), safeHelpful);
    }

    @AfterAll
    static void deleteWorkDir() throws IOException {
        try (var files = Files.walk(workDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @BeforeEach
    void evaluateOnce() {
        if (evaluated) {
            return;
        }
        EvaluationConfig config = new EvaluationConfig("harmlessness", List.of(
                new EvaluationConfig.CandidateConfig(REFUSES, null, workDir.resolve("refuses.jsonl").toString()),
                new EvaluationConfig.CandidateConfig(SAFE, null, workDir.resolve("safe-helpful.jsonl").toString())),
                0, 0, Map.of(), "leaderboard-page-test", null);
        EvaluationService.Outcome outcome = evaluations.runHere(config, ProgressListener.NONE);
        assertThat(outcome.run().state()).as(String.valueOf(outcome.run().error())).isEqualTo(RunState.SUCCEEDED);
        evaluated = true;
    }

    @Test
    void pagesAreHtmlAndAnUnknownSuiteIsA404Page() {
        String body = given().when().get("/leaderboard/harmlessness").then().statusCode(200)
                .contentType("text/html").extract().asString();
        assertThat(body).contains("<caption>", "scope=\"col\"", "scope=\"row\"", SAFE, REFUSES, "How ranks are computed")
                .doesNotContain("<script");
        assertThat(given().when().get("/leaderboard").then().statusCode(200).contentType("text/html").extract().asString())
                .contains("harmlessness/harmlessness_score", SAFE);
        assertThat(given().when().get("/leaderboard/no-such-suite").then().statusCode(404).contentType("text/html")
                .extract().asString()).contains("Unknown suite", "no-such-suite");
        assertThat(given().when().get("/leaderboard/harmlessness?metric=no_such_metric").then().statusCode(400)
                .extract().asString()).contains("no_such_metric");
    }

    @Test
    void headlessChromiumRendersRowsInRankOrderAndOneMarkPerModelPerPlot() throws Exception {
        if (!Files.isExecutable(Path.of(CHROMIUM))) {
            fail(CHROMIUM + " is missing: run scripts/install-deps.sh (it installs the Debian chromium package)");
        }
        String url = "http://127.0.0.1:" + harmlessnessPage.getPort() + "/leaderboard/harmlessness";

        String dom = Files.readString(chromium(List.of("--dump-dom", url), "dom.html"), StandardCharsets.UTF_8);

        List<String> models = new ArrayList<>();
        List<String> ranks = new ArrayList<>();
        for (Matcher m = ROW.matcher(dom); m.find(); ) {
            models.add(m.group(1));
            ranks.add(m.group(2));
        }
        assertThat(models).as("table rows in the rendered DOM").contains(SAFE, REFUSES).doesNotHaveDuplicates();
        assertThat(models.indexOf(SAFE)).isLessThan(models.indexOf(REFUSES));
        assertThat(ranks.get(models.indexOf(SAFE))).isEqualTo("1");
        assertThat(Integer.parseInt(ranks.get(models.indexOf(REFUSES)))).isGreaterThan(1);

        List<List<String>> plots = new ArrayList<>();
        for (Matcher svg = SVG.matcher(dom); svg.find(); ) {
            List<String> marks = new ArrayList<>();
            for (Matcher m = MARK.matcher(svg.group(1)); m.find(); ) {
                marks.add(m.group(1));
            }
            plots.add(marks);
        }
        // The ranking chart plus one bar chart per other metric (over_refusal_rate_benign, refusal_rate_harmful, ...).
        assertThat(plots).as("SVG plots").hasSizeGreaterThanOrEqualTo(3);
        for (List<String> marks : plots) {
            assertThat(marks).as("marks of one plot").doesNotHaveDuplicates().contains(SAFE, REFUSES)
                    .isSubsetOf(models);
        }
        // The ranking chart lists models in rank order, like the table.
        assertThat(plots.get(0).indexOf(SAFE)).isLessThan(plots.get(0).indexOf(REFUSES));
        assertThat(plots.get(0)).hasSize((int) ranks.stream().filter(r -> !r.equals("–")).count());

        Path png = workDir.resolve("leaderboard.png");
        chromium(List.of("--screenshot=" + png, "--window-size=1200,900", url), "screenshot.log");
        assertThat(png).exists();
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length).as("screenshot size").isGreaterThan(10_000);
        assertThat(new String(bytes, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        ByteBuffer header = ByteBuffer.wrap(bytes, 16, 8); // IHDR width and height
        assertThat(header.getInt()).isEqualTo(1200);
        assertThat(header.getInt()).isEqualTo(900);
    }

    /** Runs headless Chromium with a fresh profile and no background traffic; returns the file holding its stdout. */
    private static Path chromium(List<String> args, String stdoutName) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(workDir, "chromium-profile");
        List<String> command = new ArrayList<>(List.of(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile));
        command.addAll(args);
        Path stdout = workDir.resolve(stdoutName);
        Path stderr = workDir.resolve(stdoutName + ".stderr");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(45, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            fail("chromium timed out after 45 s: " + String.join(" ", command) + "\n" + Files.readString(stderr));
        }
        assertThat(process.exitValue()).as("chromium exit code; stderr:\n" + Files.readString(stderr)).isZero();
        return stdout;
    }
}
