package dev.plumbline.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plumbline.server.train.TrainingFixtures;
import dev.plumbline.server.train.TrainingService;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code plumbline train} in this process: progress lines, a summary, exit codes 0 / 2. */
@QuarkusTest
class TrainCommandTest {

    @Inject
    TrainingService trainings;

    record Result(int exitCode, String out, String err) {}

    Result run(String... args) {
        TrainCommand command = new TrainCommand();
        command.trainings = trainings;
        command.interactive = false;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        StringWriter err = new StringWriter();
        int code = new CommandLine(command).setExecutionExceptionHandler(new CliErrors()).setErr(new PrintWriter(err))
                .execute(args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    List<String> dpoArgs(String output, Path dataset) {
        return new ArrayList<>(List.of("--algorithm", "dpo", "--base-model", TrainingFixtures.tinyBase(),
                "--dataset", dataset.toString(), "--param", "beta=0.1", "--trainer", "learning_rate=1e-3",
                "--trainer", "max_steps=4", "--trainer", "per_device_train_batch_size=2", "--trainer", "logging_steps=2",
                "--trainer", "save_steps=2", "--seed", "3", "--output", output, "--name", "cli-dpo"));
    }

    @Test
    void trainsWithProgressLinesAndPrintsASummary() {
        String output = TrainingFixtures.freshOutput("cli");
        Result r = run(dpoArgs(output, TrainingFixtures.dpoDataset()).toArray(String[]::new));
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("dpo: 4 steps", "dpo: step 2/4 (50%) loss=", "dpo: step 4/4 (100%) loss=",
                "rewards/accuracies=", "dpo: saved checkpoint-2", ": SUCCEEDED", "model " + output,
                "4 steps", "rewards/margins");
        assertThat(TrainingFixtures.modelsDir().resolve(output).resolve("model.safetensors")).isRegularFile();
    }

    @Test
    void badInputIsOneLineAndExitCode2() {
        Path bad = TrainingFixtures.write("cli-bad", List.of("{\"prompt\": \"p\", \"chosen\": \"c\"}"));
        Result r = run(dpoArgs(TrainingFixtures.freshOutput("cli-bad"), bad).toArray(String[]::new));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(bad + ":1 rejected").doesNotContain("Exception");
        assertThat(r.err().strip().lines()).hasSize(1);

        List<String> args = dpoArgs(TrainingFixtures.freshOutput("cli-bad"), TrainingFixtures.dpoDataset());
        args.addAll(List.of("--trainer", "nonsense"));
        r = run(args.toArray(String[]::new));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--trainer", "KEY=VALUE");
    }

    @Test
    void keyValuesAreTyped() {
        assertThat(TrainCommand.keyValues(List.of("a=1", "b=1e-4", "c=0.5", "d=true", "e=cosine", "f=-2"), "--trainer"))
                .isEqualTo(Map.of("a", 1L, "b", 1e-4, "c", 0.5, "d", true, "e", "cosine", "f", -2L));
    }
}
