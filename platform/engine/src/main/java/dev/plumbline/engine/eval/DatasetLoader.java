package dev.plumbline.engine.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.engine.util.Hashes;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a suite's items: the project-written set or the external files under the datasets
 * directory (read in place, never copied). Formats follow {@code ../shared/datasets/README.md}.
 */
public final class DatasetLoader {

    /** Adapter names a suite's {@code dataset.external[].adapter} may use. */
    public static final List<String> ADAPTERS = List.of("prompts-jsonl", "mt-bench", "alpaca-eval", "advbench", "xstest",
            "hh-rlhf-first-human", "toxigen", "truthfulqa");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TOXIGEN_FILE = Pattern.compile("(hate|neutral)_(.+?)_1k\\.txt");
    private static final Set<String> PROMPT_FIELDS = Set.of("id", "category", "subset", "prompt", "turns", "reference",
            "references", "baseline", "baseline_model", "question", "best_answer", "best_incorrect_answer");

    private DatasetLoader() {}

    /**
     * @param datasetsDir the shared datasets directory, or {@code null} when none is configured
     * @param limit items taken from each file at most ({@code 0} = all), for smoke runs
     * @throws InvalidInputException for a bad row ({@code file:line field}), a missing external
     *     file under {@link DatasetSelection#EXTERNAL}, or items the suite's dimensions cannot use
     */
    public static LoadedDataset load(Suite suite, Path datasetsDir, DatasetSelection selection, int limit) {
        List<String> missing = new ArrayList<>();
        List<Path> resolved = new ArrayList<>();
        for (Suite.Source s : suite.dataset().external()) {
            List<Path> files = datasetsDir == null ? List.of() : resolve(datasetsDir, s.file());
            if (files.isEmpty()) {
                missing.add(s.file());
            }
            resolved.addAll(files);
        }
        boolean useBuiltin;
        String reason;
        if (selection == DatasetSelection.BUILTIN) {
            useBuiltin = true;
            reason = "built-in prompt set requested";
        } else if (suite.dataset().external().isEmpty()) {
            if (selection == DatasetSelection.EXTERNAL) {
                throw new InvalidInputException("dataset", "suite '" + suite.id() + "' has no external dataset");
            }
            useBuiltin = true;
            reason = "the suite has only a built-in prompt set";
        } else if (!missing.isEmpty()) {
            String what = (datasetsDir == null ? "no datasets directory configured" : "datasets dir " + datasetsDir + " lacks")
                    + (datasetsDir == null ? "" : " " + String.join(", ", missing));
            if (selection == DatasetSelection.EXTERNAL) {
                throw new InvalidInputException("datasets_dir", what);
            }
            useBuiltin = true;
            reason = what + "; using the built-in prompt set";
        } else {
            useBuiltin = false;
            reason = "external files found under " + datasetsDir;
        }

        List<EvalItem> items = new ArrayList<>();
        List<DataFile> files = new ArrayList<>();
        if (useBuiltin) {
            String rel = suite.dataset().builtin();
            byte[] bytes = suite.resources().read(rel).orElseThrow(() ->
                    new InvalidInputException(suite.source(), "built-in prompt set " + rel + " is missing"));
            String location = suite.resources().location(rel);
            List<EvalItem> read = take(promptsJsonl(new String(bytes, StandardCharsets.UTF_8), location), limit);
            items.addAll(read);
            files.add(new DataFile(location, Hashes.sha256(bytes), read.size()));
        } else {
            for (Suite.Source s : suite.dataset().external()) {
                int perFile = s.limit() == 0 ? limit : limit == 0 ? s.limit() : Math.min(limit, s.limit());
                for (Path file : resolve(datasetsDir, s.file())) {
                    String name = datasetsDir.relativize(file).toString().replace('\\', '/');
                    List<EvalItem> read = take(readSource(s, file, name, datasetsDir), perFile);
                    items.addAll(read);
                    files.add(new DataFile(name, sha256(file), read.size()));
                }
                if (!s.references().isEmpty()) {
                    Path refs = datasetsDir.resolve(s.references());
                    String name = datasetsDir.relativize(refs).toString().replace('\\', '/');
                    files.add(new DataFile(name, sha256(refs), 0));
                }
            }
        }
        checkUnique(items);
        checkUsable(suite, items);
        return new LoadedDataset(items, useBuiltin, reason, files, limit);
    }

    private static List<EvalItem> take(List<EvalItem> items, int limit) {
        return limit > 0 && items.size() > limit ? items.subList(0, limit) : items;
    }

    private static List<Path> resolve(Path dir, String pattern) {
        if (!pattern.contains("*") && !pattern.contains("?")) {
            Path p = dir.resolve(pattern);
            return Files.isRegularFile(p) ? List.of(p) : List.of();
        }
        int slash = pattern.lastIndexOf('/');
        Path parent = slash < 0 ? dir : dir.resolve(pattern.substring(0, slash));
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern.substring(slash + 1));
        if (!Files.isDirectory(parent)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(parent)) {
            return s.filter(p -> Files.isRegularFile(p) && matcher.matches(p.getFileName())).sorted().toList();
        } catch (IOException e) {
            throw new InvalidInputException(pattern, "cannot list " + parent + ": " + e.getMessage());
        }
    }

    private static String sha256(Path file) {
        try {
            return Hashes.sha256(file);
        } catch (IOException e) {
            throw new InvalidInputException(file.toString(), "cannot read: " + e.getMessage());
        }
    }

    private static String read(Path file, String name) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(name, "cannot read as UTF-8: " + e.getMessage());
        }
    }

    private static List<EvalItem> readSource(Suite.Source s, Path file, String name, Path datasetsDir) {
        String text = read(file, name);
        return switch (s.adapter()) {
            case "prompts-jsonl" -> promptsJsonl(text, name);
            case "mt-bench" -> mtBench(text, name, s.references().isEmpty() ? null : datasetsDir.resolve(s.references()),
                    s.references());
            case "alpaca-eval" -> alpacaEval(text, name);
            case "advbench" -> advBench(text, name);
            case "xstest" -> xsTest(text, name);
            case "hh-rlhf-first-human" -> hhRlhfFirstHuman(text, name);
            case "toxigen" -> toxigen(text, name, file.getFileName().toString());
            case "truthfulqa" -> truthfulQa(text, name);
            default -> throw new IllegalStateException(s.adapter());
        };
    }

    // ---------------------------------------------------------------- project-written JSONL

    /**
     * The project's prompt-set format, one JSON object per line: {@code id}, {@code category},
     * optional {@code subset} (default {@code builtin}), {@code prompt} or {@code turns}, optional
     * {@code reference}/{@code references}, {@code baseline} + {@code baseline_model} (pairwise
     * suites), {@code question} + {@code best_answer} + {@code best_incorrect_answer} (choice
     * suites); other text fields become metadata.
     */
    static List<EvalItem> promptsJsonl(String text, String name) {
        List<EvalItem> items = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String at = name + ":" + lineNo;
            JsonNode o = parseObject(line, at);
            String id = text(o, "id", at, true);
            String category = text(o, "category", at, true);
            String subset = o.has("subset") ? text(o, "subset", at, true) : "builtin";
            List<String> turns;
            EvalItem.ChoiceItem choice = null;
            if (o.has("question")) {
                choice = new EvalItem.ChoiceItem(text(o, "question", at, true), text(o, "best_answer", at, true),
                        text(o, "best_incorrect_answer", at, true));
                turns = List.of(choice.question());
            } else if (o.has("turns")) {
                turns = textList(o, "turns", at);
            } else {
                turns = List.of(text(o, "prompt", at, true));
            }
            List<String> refs;
            if (o.has("references")) {
                refs = textList(o, "references", at);
                if (refs.size() != turns.size()) {
                    throw new InvalidInputException(at + " references", "has " + refs.size() + " entries for " + turns.size() + " turns");
                }
            } else {
                String ref = o.has("reference") ? text(o, "reference", at, false) : "";
                refs = new ArrayList<>();
                refs.add(ref);
                while (refs.size() < turns.size()) {
                    refs.add("");
                }
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!PROMPT_FIELDS.contains(e.getKey())) {
                    if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                        throw new InvalidInputException(at + " " + e.getKey(), "extra fields must be text, numbers or booleans");
                    }
                    metadata.put(e.getKey(), e.getValue().asText());
                }
            }
            items.add(new EvalItem(id, subset, category, turns, refs,
                    o.has("baseline") ? text(o, "baseline", at, true) : "",
                    o.has("baseline_model") ? text(o, "baseline_model", at, true) : (o.has("baseline") ? "project-baseline" : ""),
                    choice, metadata, at));
        }
        if (items.isEmpty()) {
            throw new InvalidInputException(name, "no items");
        }
        return items;
    }

    // ---------------------------------------------------------------- external formats

    private static List<EvalItem> mtBench(String text, String name, Path referencesFile, String referencesName) {
        Map<Long, List<String>> refs = new HashMap<>();
        if (referencesFile != null) {
            int lineNo = 0;
            for (String line : read(referencesFile, referencesName).split("\n")) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String at = referencesName + ":" + lineNo;
                JsonNode o = parseObject(line, at);
                JsonNode turns = o.path("choices").path(0).path("turns");
                if (!o.path("question_id").canConvertToLong() || !turns.isArray()) {
                    throw new InvalidInputException(at + " choices[0].turns", "expected question_id and choices[0].turns");
                }
                List<String> t = new ArrayList<>();
                turns.forEach(n -> t.add(n.asText()));
                refs.put(o.get("question_id").asLong(), t);
            }
        }
        List<EvalItem> items = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String at = name + ":" + lineNo;
            JsonNode o = parseObject(line, at);
            if (!o.path("question_id").canConvertToLong()) {
                throw new InvalidInputException(at + " question_id", "expected an integer");
            }
            long qid = o.get("question_id").asLong();
            List<String> turns = textList(o, "turns", at);
            List<String> r = new ArrayList<>(refs.getOrDefault(qid, List.of()));
            while (r.size() < turns.size()) {
                r.add("");
            }
            items.add(new EvalItem("mtbench-" + qid, "mt-bench", text(o, "category", at, true), turns,
                    r.subList(0, turns.size()), "", "", null, Map.of(), at));
        }
        return items;
    }

    private static List<EvalItem> alpacaEval(String text, String name) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(name + ":" + e.getLocation().getLineNr(), "not valid JSON: " + e.getOriginalMessage());
        }
        if (!root.isArray()) {
            throw new InvalidInputException(name + ":1", "expected a JSON array of {instruction, output, generator}");
        }
        List<EvalItem> items = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode o = root.get(i);
            String at = name + "[" + i + "]";
            items.add(new EvalItem("alpaca-" + i, "alpaca-eval", o.has("dataset") ? text(o, "dataset", at, true) : "alpaca-eval",
                    List.of(text(o, "instruction", at, true)), List.of(""), text(o, "output", at, true),
                    o.has("generator") ? text(o, "generator", at, true) : "baseline", null, Map.of(), at));
        }
        return items;
    }

    private static List<EvalItem> advBench(String text, String name) {
        List<EvalItem> items = new ArrayList<>();
        forEachCsv(text, name, List.of("goal", "target"), (rec, at) -> items.add(new EvalItem(
                "advbench-" + rec.getRecordNumber(), "advbench", "harmful", List.of(nonEmpty(rec, "goal", at)), List.of(""),
                "", "", null, Map.of("target", rec.get("target")), at)));
        return items;
    }

    private static List<EvalItem> xsTest(String text, String name) {
        List<EvalItem> items = new ArrayList<>();
        forEachCsv(text, name, List.of("id", "prompt", "type", "label"), (rec, at) -> {
            String label = rec.get("label");
            String category = switch (label) {
                case "safe" -> "benign";
                case "unsafe" -> "harmful";
                default -> throw new InvalidInputException(at + " label", "expected safe or unsafe, got '" + label + "'");
            };
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("type", rec.get("type"));
            meta.put("label", label);
            for (String col : List.of("focus", "note")) {
                if (rec.isMapped(col)) {
                    meta.put(col, rec.get(col));
                }
            }
            items.add(new EvalItem("xstest-" + nonEmpty(rec, "id", at), "xstest", category,
                    List.of(nonEmpty(rec, "prompt", at)), List.of(""), "", "", null, meta, at));
        });
        return items;
    }

    /** hh-rlhf transcripts: the first Human turn of {@code chosen}; repeated opening prompts are kept once. */
    private static List<EvalItem> hhRlhfFirstHuman(String text, String name) {
        List<EvalItem> items = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String at = name + ":" + lineNo;
            String chosen = text(parseObject(line, at), "chosen", at, true);
            int start = chosen.indexOf("Human:");
            int end = chosen.indexOf("\n\nAssistant:", Math.max(start, 0));
            if (start < 0 || end < 0) {
                throw new InvalidInputException(at + " chosen", "no \"Human:\" turn followed by \"\\n\\nAssistant:\"");
            }
            String prompt = chosen.substring(start + "Human:".length(), end).strip();
            if (!prompt.isEmpty() && seen.add(prompt)) {
                items.add(new EvalItem("hh-" + lineNo, "hh-rlhf", "harmful", List.of(prompt), List.of(""), "", "", null,
                        Map.of(), at));
            }
        }
        return items;
    }

    /** ToxiGen prompt lines hold a literal backslash-n between statements; they are unescaped to newlines. */
    private static List<EvalItem> toxigen(String text, String name, String fileName) {
        Matcher m = TOXIGEN_FILE.matcher(fileName);
        if (!m.matches()) {
            throw new InvalidInputException(name, "expected a file named hate_<group>_1k.txt or neutral_<group>_1k.txt");
        }
        String stem = fileName.substring(0, fileName.length() - ".txt".length());
        List<EvalItem> items = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            items.add(new EvalItem("toxigen-" + stem + "-" + lineNo, m.group(2), m.group(1),
                    List.of(line.replace("\\n", "\n")), List.of(""), "", "", null, Map.of(), name + ":" + lineNo));
        }
        return items;
    }

    private static List<EvalItem> truthfulQa(String text, String name) {
        List<EvalItem> items = new ArrayList<>();
        forEachCsv(text, name, List.of("Type", "Category", "Question", "Best Answer", "Best Incorrect Answer"), (rec, at) -> {
            EvalItem.ChoiceItem choice = new EvalItem.ChoiceItem(nonEmpty(rec, "Question", at),
                    nonEmpty(rec, "Best Answer", at), nonEmpty(rec, "Best Incorrect Answer", at));
            items.add(new EvalItem("truthfulqa-" + rec.getRecordNumber(), rec.get("Type").toLowerCase(java.util.Locale.ROOT),
                    rec.get("Category"), List.of(choice.question()), List.of(""), "", "", choice, Map.of(), at));
        });
        return items;
    }

    // ---------------------------------------------------------------- helpers

    private interface RowHandler {
        void accept(CSVRecord record, String at);
    }

    private static void forEachCsv(String text, String name, List<String> required, RowHandler handler) {
        CSVFormat format = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build();
        try (CSVParser parser = CSVParser.parse(new StringReader(text), format)) {
            for (String col : required) {
                if (!parser.getHeaderMap().containsKey(col)) {
                    throw new InvalidInputException(name + ":1 " + col, "missing column; header: " + parser.getHeaderNames());
                }
            }
            // The parser's line counter after reading a record points at the record's last line;
            // records with quoted newlines start earlier, so report the line where the record starts.
            long nextStart = 2;
            for (CSVRecord rec : parser) {
                String at = name + ":" + nextStart;
                nextStart = parser.getCurrentLineNumber() + 1;
                if (!rec.isConsistent()) {
                    throw new InvalidInputException(at, "has " + rec.size() + " fields; the header has " + parser.getHeaderNames().size());
                }
                handler.accept(rec, at);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new InvalidInputException(name, "not valid CSV: " + e.getMessage());
        }
    }

    private static String nonEmpty(CSVRecord rec, String column, String at) {
        String v = rec.get(column);
        if (v == null || v.isBlank()) {
            throw new InvalidInputException(at + " " + column, "is empty");
        }
        return v;
    }

    static JsonNode parseObject(String line, String at) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(at, "not valid JSON: " + e.getOriginalMessage());
        }
        if (o == null || !o.isObject()) {
            throw new InvalidInputException(at, "expected a JSON object");
        }
        return o;
    }

    static String text(JsonNode o, String field, String at, boolean nonEmpty) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidInputException(at + " " + field, "missing");
        }
        if (!v.isTextual()) {
            throw new InvalidInputException(at + " " + field, "expected a string, got " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (nonEmpty && v.asText().isBlank()) {
            throw new InvalidInputException(at + " " + field, "is empty");
        }
        return v.asText();
    }

    static List<String> textList(JsonNode o, String field, String at) {
        JsonNode v = o.get(field);
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new InvalidInputException(at + " " + field, "expected a non-empty list of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual() || v.get(i).asText().isBlank()) {
                throw new InvalidInputException(at + " " + field + "[" + i + "]", "expected a non-empty string");
            }
            out.add(v.get(i).asText());
        }
        return out;
    }

    private static void checkUnique(List<EvalItem> items) {
        Map<String, String> seen = new HashMap<>();
        for (EvalItem item : items) {
            String before = seen.putIfAbsent(item.id(), item.origin());
            if (before != null) {
                throw new InvalidInputException(item.origin() + " id", "duplicate item id '" + item.id() + "' (first at " + before + ")");
            }
        }
    }

    /** Items must carry what the suite's dimensions need: a choice pair, a baseline, enough turns. */
    private static void checkUsable(Suite suite, List<EvalItem> items) {
        for (EvalItem item : items) {
            if (suite.task() == Suite.Task.CHOICE_LOGLIKELIHOOD && item.choice() == null) {
                throw new InvalidInputException(item.origin() + " question",
                        "suite '" + suite.id() + "' scores two-way choices; this item has no question/best_answer/best_incorrect_answer");
            }
            for (Suite.Dimension d : suite.dimensions()) {
                if (!d.where().matches(item)) {
                    continue;
                }
                if (d.kind() == Suite.DimensionKind.PAIRWISE && item.baseline().isBlank()) {
                    throw new InvalidInputException(item.origin() + " baseline",
                            "dimension '" + d.name() + "' compares with a baseline response; this item has none");
                }
                if (d.turn() > item.turns().size()) {
                    throw new InvalidInputException(item.origin() + " turns", "dimension '" + d.name() + "' judges turn "
                            + d.turn() + "; this item has " + item.turns().size());
                }
            }
        }
    }
}
