package dev.plumbline.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrecomputedResponsesTest {

    @TempDir
    Path dir;

    String errorField(String content) throws IOException {
        Path f = dir.resolve("answers.jsonl");
        Files.writeString(f, content);
        try {
            PrecomputedResponses.read(f);
        } catch (InvalidInputException e) {
            return e.field().substring(dir.toString().length() + 1);
        }
        throw new AssertionError("accepted: " + content);
    }

    @Test
    void badRowsNameFileLineAndField() throws IOException {
        String ok = "{\"id\":\"a\",\"response\":\"fine\"}\n";
        assertThat(errorField(ok + "{\"id\":\"b\"}\n")).isEqualTo("answers.jsonl:2 response");
        assertThat(errorField(ok + "{\"id\":\"b\",\"response\":42}\n")).isEqualTo("answers.jsonl:2 response");
        assertThat(errorField(ok + "{\"response\":\"x\"}\n")).isEqualTo("answers.jsonl:2 id");
        assertThat(errorField(ok + "\n{\"id\":\"b\",\"response\":\"x\"\n")).isEqualTo("answers.jsonl:3");
        assertThat(errorField(ok + "{\"id\":\"a\",\"response\":\"again\"}\n")).isEqualTo("answers.jsonl:2 id");
        assertThat(errorField(ok + "{\"id\":\"b\",\"response\":\"x\",\"sample\":-1}\n")).isEqualTo("answers.jsonl:2 sample");
        assertThat(errorField(ok + "{\"id\":\"b\",\"responses\":[\"x\", null]}\n")).isEqualTo("answers.jsonl:2 responses[1]");
        assertThat(errorField("")).isEqualTo("answers.jsonl");
    }

    @Test
    void matchesByIdThenByPromptAndSample() throws IOException {
        Path f = dir.resolve("ok.jsonl");
        Files.writeString(f, """
                {"id":"q1","response":"one"}
                {"prompt":"  What is two?  ","response":"two","model":"ignored"}
                {"id":"q1","sample":1,"responses":["one again","and more"]}
                """);
        PrecomputedResponses r = PrecomputedResponses.read(f);
        EvalItem q1 = new EvalItem("q1", "s", "c", List.of("What is one?"), List.of(""), "", "", null, Map.of(), "x");
        EvalItem q2 = new EvalItem("q2", "s", "c", List.of("What is two?"), List.of(""), "", "", null, Map.of(), "x");
        assertThat(r.rows()).isEqualTo(3);
        assertThat(r.find(q1, 0).orElseThrow().responses()).containsExactly("one");
        assertThat(r.find(q1, 1).orElseThrow().responses()).containsExactly("one again", "and more");
        assertThat(r.find(q2, 0).orElseThrow().responses()).containsExactly("two");
        assertThat(r.find(q2, 1)).isEmpty();
        assertThat(r.sha256()).hasSize(64);
    }
}
