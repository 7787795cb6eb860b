package dev.plumbline.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.engine.judge.GuardedJudge;
import dev.plumbline.engine.plugin.PluginRegistry;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.JudgeSample;
import dev.plumbline.spi.Verdict;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "judge", mixinStandardHelpOptions = true,
        description = "Score responses with a judge, or measure a judge's agreement with human labels.",
        subcommands = {JudgeCommand.Score.class, JudgeValidateCommand.class})
public class JudgeCommand {

    /** {@code --param name=value} options, typed as the judge's parameter specs expect. */
    static Map<String, Object> parameters(List<String> pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("--param", "expected name=value, got '" + p + "'");
            }
            String v = p.substring(eq + 1);
            Object value = v.equals("true") || v.equals("false") ? Boolean.valueOf(v) : v;
            if (v.matches("-?\\d+")) {
                value = Long.parseLong(v);
            } else if (v.matches("-?(\\d+\\.\\d*|\\.\\d+|\\d+)([eE][-+]?\\d+)?")) {
                value = Double.parseDouble(v);
            }
            out.put(p.substring(0, eq), value);
        }
        return out;
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Score one response, or every line of a JSONL file (prompt, response[, category, reference, id]); "
                    + "prints one JSON verdict per line.")
    static class Score implements Callable<Integer> {

        @Option(names = "--judge", required = true, description = "Judge plugin id (see 'plumbline plugins --kind judge').")
        String judge;

        @Option(names = "--param", description = "Judge parameter name=value (repeatable).")
        List<String> params = new ArrayList<>();

        @Option(names = "--prompt")
        String prompt;

        @Option(names = "--response")
        String response;

        @Option(names = "--category", defaultValue = "")
        String category;

        @Option(names = "--input", description = "JSONL file of samples.")
        Path input;

        @Inject
        PluginRegistry registry;

        @Inject
        ObjectMapper json;

        @Override
        public Integer call() throws IOException {
            GuardedJudge g = GuardedJudge.of(registry, judge, parameters(params), "--param");
            List<JudgeSample> samples = input != null ? read(input)
                    : List.of(new JudgeSample("1", require(prompt, "--prompt"), require(response, "--response"),
                            category, "", List.of(), Map.of()));
            int failures = 0;
            for (Verdict v : g.score(samples, input != null ? input.toString() : "sample")) {
                ObjectNode o = json.createObjectNode();
                o.put("id", v.sampleId()).put("status", v.status().name());
                o.set("values", json.valueToTree(v.values()));
                o.put("explanation", v.explanation());
                if (!v.error().isEmpty()) {
                    o.put("error", v.error());
                    failures++;
                }
                System.out.println(o);
            }
            return failures == 0 ? 0 : 3;
        }

        private static String require(String v, String option) {
            if (v == null) {
                throw new InvalidInputException(option, "is required without --input");
            }
            return v;
        }

        private List<JudgeSample> read(Path file) throws IOException {
            List<JudgeSample> out = new ArrayList<>();
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                while ((line = r.readLine()) != null) {
                    n++;
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode o;
                    try {
                        o = json.readTree(line);
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new InvalidInputException(file + ":" + n, "not JSON: " + e.getOriginalMessage());
                    }
                    for (String f : new String[] {"prompt", "response"}) {
                        if (!o.path(f).isTextual()) {
                            throw new InvalidInputException(file + ":" + n + " " + f, "missing or not a string");
                        }
                    }
                    out.add(new JudgeSample(o.path("id").asText(Integer.toString(n)), o.path("prompt").asText(),
                            o.path("response").asText(), o.path("category").asText(""), o.path("reference").asText(""),
                            List.of(), Map.of()));
                }
            }
            return out;
        }
    }
}
