package dev.plumbline.engine.eval;

import dev.plumbline.engine.eval.LocatedYaml.ListNode;
import dev.plumbline.engine.eval.LocatedYaml.MapNode;
import dev.plumbline.engine.eval.LocatedYaml.Node;
import dev.plumbline.engine.eval.LocatedYaml.ScalarNode;
import dev.plumbline.engine.eval.Suite.Aggregation;
import dev.plumbline.engine.eval.Suite.Average;
import dev.plumbline.engine.eval.Suite.DimensionKind;
import dev.plumbline.engine.eval.Suite.GroupBy;
import dev.plumbline.engine.eval.Suite.Indicator;
import dev.plumbline.engine.eval.Suite.ItemFilter;
import dev.plumbline.engine.util.Hashes;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads suite YAML. Every mistake is an {@link InvalidInputException} whose field is
 * {@code <file>:<line> <yaml.path>}, e.g. {@code harmlessness.yaml:12 generation.temperature}.
 */
public final class SuiteLoader {

    /** The suites shipped in {@code evals/suites/} (a test keeps this list equal to the directory). */
    public static final List<String> BUILTIN = List.of(
            "harmlessness", "helpfulness-alpacaeval", "helpfulness-mtbench", "toxicity", "truthfulness",
            "demo-harmlessness", "demo-helpfulness", "demo-toxicity");

    /** The built-in suites of {@code ./plumbline demo}'s small task ({@code evals/demo}); a subset of {@link #BUILTIN}. */
    public static final List<String> DEMO = List.of("demo-harmlessness", "demo-helpfulness", "demo-toxicity");

    private static final Pattern KEBAB = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final Pattern SNAKE = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_]+)}");
    private static final Pattern INDICATOR = Pattern.compile("\\s*(>=|<=|==|>|<)\\s*(-?[0-9]+(?:\\.[0-9]+)?)\\s*");

    private static final List<String> TOP = List.of("id", "version", "description", "task", "dataset", "prompt",
            "generation", "choice", "dimensions", "metrics", "primary_metric");

    private SuiteLoader() {}

    /** A built-in suite from the classpath ({@code plumbline/evals/suites/<id>.yaml}). */
    public static Suite builtin(String id) {
        EvalResources resources = EvalResources.classpath();
        String rel = "suites/" + id + ".yaml";
        byte[] bytes = id == null || !KEBAB.matcher(id).matches() ? null : resources.read(rel).orElse(null);
        if (bytes == null) {
            throw new InvalidInputException("suite", "unknown suite '" + id + "'; built-in: " + String.join(", ", BUILTIN));
        }
        return parse(bytes, id + ".yaml", resources);
    }

    public static List<Suite> allBuiltin() {
        return BUILTIN.stream().map(SuiteLoader::builtin).toList();
    }

    /**
     * A suite file. Its {@code dataset.builtin} path is resolved against the evals root: the parent
     * of a {@code suites/} directory holding the file, else the file's own directory.
     */
    public static Suite load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidInputException(file.toString(), "cannot read the suite file: " + e.getMessage());
        }
        Path dir = file.toAbsolutePath().getParent();
        Path root = dir.getFileName() != null && dir.getFileName().toString().equals("suites") ? dir.getParent() : dir;
        return parse(bytes, file.toString(), EvalResources.directory(root));
    }

    /** @param source the file name used in errors and manifests */
    public static Suite parse(byte[] bytes, String source, EvalResources resources) {
        String text = utf8(bytes, source);
        Node rootNode = LocatedYaml.parse(text, source);
        LocatedYaml.Reader r = new LocatedYaml.Reader(source);
        MapNode root = r.map(rootNode);
        r.onlyKeys(root, TOP);

        String id = r.requiredString(root, "id");
        if (!KEBAB.matcher(id).matches()) {
            throw r.error(root.entries().get("id"), "suite ids are kebab-case (a-z, 0-9, '-'), got '" + id + "'");
        }
        int version = (int) r.integer(root, "version", -1, 1, Integer.MAX_VALUE);
        if (version < 0) {
            throw r.error(root.line(), "version", "required (an integer >= 1, raised whenever results would change)");
        }
        String description = r.string(root, "description", "");
        Suite.Task task = "choice_loglikelihood".equals(r.choice(root, "task", "generate",
                Set.of("generate", "choice_loglikelihood"))) ? Suite.Task.CHOICE_LOGLIKELIHOOD : Suite.Task.GENERATE;

        Suite.Dataset dataset = dataset(r, r.map(r.required(root, "dataset")), resources);
        Suite.Prompt prompt = prompt(r, root, task);
        Suite.Generation generation = generation(r, root);
        Suite.Choice choice = null;
        if (task == Suite.Task.CHOICE_LOGLIKELIHOOD) {
            MapNode c = root.entries().containsKey("choice") ? r.map(root.entries().get("choice"))
                    : new MapNode(Map.of(), root.line(), "choice");
            r.onlyKeys(c, List.of("completions"));
            choice = new Suite.Choice("text".equals(r.choice(c, "completions", "label", Set.of("label", "text")))
                    ? Suite.Choice.Completions.TEXT : Suite.Choice.Completions.LABEL);
        } else if (root.entries().containsKey("choice")) {
            throw r.error(root.entries().get("choice"), "only for task: choice_loglikelihood");
        }

        if (task == Suite.Task.CHOICE_LOGLIKELIHOOD && generation.samples() != 1) {
            throw r.error(r.map(root.entries().get("generation")).entries().get("samples"),
                    "log-likelihood scoring is deterministic: samples must be 1");
        }
        List<Suite.Dimension> dimensions = dimensions(r, r.map(r.required(root, "dimensions")), task);
        List<Suite.Metric> metrics = metrics(r, r.list(r.required(root, "metrics")), dimensions);
        String primary = r.requiredString(root, "primary_metric");
        if (metrics.stream().noneMatch(m -> m.name().equals(primary))) {
            throw r.error(root.entries().get("primary_metric"), "names no metric of this suite; metrics: "
                    + String.join(", ", metrics.stream().map(Suite.Metric::name).toList()));
        }
        return new Suite(id, version, description, source, Hashes.sha256(bytes), task, dataset, prompt,
                generation, choice, dimensions, metrics, primary, resources);
    }

    private static Suite.Dataset dataset(LocatedYaml.Reader r, MapNode d, EvalResources resources) {
        r.onlyKeys(d, List.of("builtin", "external"));
        String builtin = r.requiredString(d, "builtin");
        if (resources.read(builtin).isEmpty()) {
            throw r.error(d.entries().get("builtin"), "no such file: " + resources.location(builtin));
        }
        List<Suite.Source> external = new ArrayList<>();
        if (d.entries().containsKey("external")) {
            for (Node n : r.list(d.entries().get("external")).items()) {
                MapNode s = r.map(n);
                r.onlyKeys(s, List.of("adapter", "file", "references", "limit"));
                String adapter = r.requiredString(s, "adapter");
                if (!DatasetLoader.ADAPTERS.contains(adapter)) {
                    throw r.error(s.entries().get("adapter"), "unknown adapter '" + adapter + "'; known: "
                            + String.join(", ", DatasetLoader.ADAPTERS));
                }
                String file = r.requiredString(s, "file");
                if (Path.of(file).isAbsolute() || file.contains("..")) {
                    throw r.error(s.entries().get("file"), "must be a relative path under the datasets directory");
                }
                String refs = r.string(s, "references", "");
                if (!refs.isEmpty() && !adapter.equals("mt-bench")) {
                    throw r.error(s.entries().get("references"), "only the mt-bench adapter reads reference answers");
                }
                int limit = (int) r.integer(s, "limit", 0, 0, Integer.MAX_VALUE);
                external.add(new Suite.Source(adapter, file, refs, limit, s.line()));
            }
        }
        return new Suite.Dataset(builtin, external);
    }

    private static Suite.Prompt prompt(LocatedYaml.Reader r, MapNode root, Suite.Task task) {
        MapNode p = root.entries().containsKey("prompt") ? r.map(root.entries().get("prompt"))
                : new MapNode(Map.of(), root.line(), "prompt");
        r.onlyKeys(p, List.of("system", "template"));
        String system = r.string(p, "system", "");
        Set<String> allowed = task == Suite.Task.GENERATE ? Set.of("prompt") : Set.of("question", "choice_a", "choice_b");
        String fallback = task == Suite.Task.GENERATE ? "{prompt}" : "{question}\n\nA. {choice_a}\nB. {choice_b}\n\nAnswer:";
        String template = r.string(p, "template", fallback);
        Node where = p.entries().getOrDefault("template", p);
        Matcher m = PLACEHOLDER.matcher(template);
        Set<String> used = new HashSet<>();
        while (m.find()) {
            if (!allowed.contains(m.group(1))) {
                throw r.error(where, "unknown placeholder {" + m.group(1) + "}; this task allows "
                        + String.join(", ", allowed.stream().sorted().map(s -> "{" + s + "}").toList()));
            }
            used.add(m.group(1));
        }
        String must = task == Suite.Task.GENERATE ? "prompt" : "question";
        if (!used.contains(must)) {
            throw r.error(where, "must contain {" + must + "}");
        }
        return new Suite.Prompt(system, template);
    }

    private static Suite.Generation generation(LocatedYaml.Reader r, MapNode root) {
        MapNode g = r.map(r.required(root, "generation"));
        r.onlyKeys(g, List.of("temperature", "temperature_by_category", "max_new_tokens", "top_p", "top_k", "stop",
                "samples", "seed"));
        double temperature = r.number(g, "temperature", 0.0, 0.0, 2.0);
        Map<String, Double> byCategory = new LinkedHashMap<>();
        if (g.entries().containsKey("temperature_by_category")) {
            MapNode m = r.map(g.entries().get("temperature_by_category"));
            for (Map.Entry<String, Node> e : m.entries().entrySet()) {
                byCategory.put(e.getKey(), r.number(e.getValue(), 0.0, 2.0));
            }
        }
        int maxNewTokens = (int) r.integer(g, "max_new_tokens", -1, 1, 65_536);
        if (maxNewTokens < 0) {
            throw r.error(g.line(), "generation.max_new_tokens", "required");
        }
        double topP = r.number(g, "top_p", 1.0, Double.MIN_VALUE, 1.0);
        int topK = (int) r.integer(g, "top_k", 0, 0, 1_000_000);
        List<String> stop = r.strings(g, "stop");
        int samples = (int) r.integer(g, "samples", 1, 1, 1000);
        if (!g.entries().containsKey("seed")) {
            throw r.error(g.line(), "generation.seed", "required (runs must be reproducible)");
        }
        long seed = r.integer(g, "seed", 0, 0, Long.MAX_VALUE);
        return new Suite.Generation(temperature, byCategory, maxNewTokens, topP, topK, stop, samples, seed);
    }

    private static List<Suite.Dimension> dimensions(LocatedYaml.Reader r, MapNode dims, Suite.Task task) {
        if (dims.entries().isEmpty()) {
            throw r.error(dims, "at least one dimension is needed");
        }
        List<Suite.Dimension> out = new ArrayList<>();
        for (Map.Entry<String, Node> e : dims.entries().entrySet()) {
            String name = e.getKey();
            MapNode d = r.map(e.getValue());
            if (!SNAKE.matcher(name).matches()) {
                throw r.error(d, "dimension names are snake_case, got '" + name + "'");
            }
            r.onlyKeys(d, List.of("judge", "mode", "scorer", "parameters", "value", "turn", "where", "sample_category"));
            DimensionKind kind;
            String judge = null;
            String value;
            if (d.entries().containsKey("scorer")) {
                r.choice(d, "scorer", null, Set.of("choice-loglikelihood"));
                if (task != Suite.Task.CHOICE_LOGLIKELIHOOD) {
                    throw r.error(d.entries().get("scorer"), "the choice-loglikelihood scorer needs task: choice_loglikelihood");
                }
                for (String k : List.of("judge", "mode", "parameters", "sample_category")) {
                    if (d.entries().containsKey(k)) {
                        throw r.error(d.entries().get(k), "a scorer dimension takes no '" + k + "'");
                    }
                }
                kind = DimensionKind.CHOICE;
                value = r.choice(d, "value", "correct", Set.of("correct"));
            } else {
                if (task == Suite.Task.CHOICE_LOGLIKELIHOOD) {
                    throw r.error(d, "a choice_loglikelihood suite generates no text to judge; use scorer: choice-loglikelihood");
                }
                judge = r.requiredString(d, "judge");
                kind = "pairwise".equals(r.choice(d, "mode", "pointwise", Set.of("pointwise", "pairwise")))
                        ? DimensionKind.PAIRWISE : DimensionKind.POINTWISE;
                value = kind == DimensionKind.PAIRWISE
                        ? r.choice(d, "value", "probability_a", Set.of("probability_a"))
                        : r.requiredString(d, "value");
            }
            Map<String, Object> parameters = d.entries().containsKey("parameters")
                    ? r.scalars(r.map(d.entries().get("parameters"))) : Map.of();
            int turn = (int) r.integer(d, "turn", 0, 0, 100);
            ItemFilter where = filter(r, d.entries().get("where"));
            String sampleCategory = d.entries().containsKey("sample_category") ? r.string(d, "sample_category", "") : null;
            out.add(new Suite.Dimension(name, kind, judge, parameters, value, turn, where, sampleCategory, d.line()));
        }
        if (task == Suite.Task.CHOICE_LOGLIKELIHOOD && out.stream().noneMatch(x -> x.kind() == DimensionKind.CHOICE)) {
            throw r.error(dims, "a choice_loglikelihood suite needs a dimension with scorer: choice-loglikelihood");
        }
        return out;
    }

    private static ItemFilter filter(LocatedYaml.Reader r, Node node) {
        if (node == null) {
            return ItemFilter.ALL;
        }
        MapNode w = r.map(node);
        r.onlyKeys(w, List.of("subset", "category"));
        return new ItemFilter(new LinkedHashSet<>(r.strings(w, "subset")), new LinkedHashSet<>(r.strings(w, "category")));
    }

    private static List<Suite.Metric> metrics(LocatedYaml.Reader r, ListNode list, List<Suite.Dimension> dimensions) {
        if (list.items().isEmpty()) {
            throw r.error(list, "at least one metric is needed");
        }
        Map<String, Suite.Dimension> byName = new LinkedHashMap<>();
        dimensions.forEach(d -> byName.put(d.name(), d));
        Set<String> names = new HashSet<>();
        List<Suite.Metric> out = new ArrayList<>();
        for (Node n : list.items()) {
            MapNode m = r.map(n);
            r.onlyKeys(m, List.of("name", "description", "aggregation", "dimension", "dimensions", "indicator", "where",
                    "average", "group_by", "higher_is_better", "threshold", "of"));
            String name = r.requiredString(m, "name");
            if (!SNAKE.matcher(name).matches()) {
                throw r.error(m.entries().get("name"), "metric names are snake_case, got '" + name + "'");
            }
            if (!names.add(name)) {
                throw r.error(m.entries().get("name"), "duplicate metric '" + name + "'");
            }
            String aggregationName = r.choice(m, "aggregation", null, Set.of("mean", "expected_max", "probability_any",
                    "win_rate", "win_rate_adjusted", "lc_win_rate", "position_consistency", "mean_length"));
            if (aggregationName == null) {
                throw r.error(m.line(), m.path() + ".aggregation", "required");
            }
            Aggregation aggregation = Aggregation.valueOf(aggregationName.toUpperCase(Locale.ROOT));
            List<String> dims = new ArrayList<>(r.strings(m, "dimension"));
            dims.addAll(r.strings(m, "dimensions"));
            if (dims.isEmpty() && aggregation != Aggregation.MEAN_LENGTH) {
                throw r.error(m.line(), m.path() + ".dimension", "required");
            }
            Node dimsNode = m.entries().containsKey("dimension") ? m.entries().get("dimension") : m.entries().get("dimensions");
            for (String dn : dims) {
                Suite.Dimension d = byName.get(dn);
                if (d == null) {
                    throw r.error(dimsNode, "unknown dimension '" + dn + "'; dimensions: " + String.join(", ", byName.keySet()));
                }
                boolean pairwiseMetric = switch (aggregation) {
                    case WIN_RATE, WIN_RATE_ADJUSTED, LC_WIN_RATE, POSITION_CONSISTENCY -> true;
                    default -> false;
                };
                if (pairwiseMetric != (d.kind() == DimensionKind.PAIRWISE) && aggregation != Aggregation.MEAN_LENGTH) {
                    throw r.error(dimsNode, aggregation.name().toLowerCase(Locale.ROOT) + (pairwiseMetric
                            ? " needs a pairwise dimension" : " needs a pointwise dimension") + "; '" + dn + "' is "
                            + d.kind().name().toLowerCase(Locale.ROOT));
                }
            }
            if (dims.size() > 1 && aggregation != Aggregation.MEAN) {
                throw r.error(dimsNode, "only aggregation: mean pools several dimensions");
            }
            Indicator indicator = null;
            if (m.entries().containsKey("indicator")) {
                String spec = r.string(m, "indicator", "");
                Matcher im = INDICATOR.matcher(spec);
                if (!im.matches()) {
                    throw r.error(m.entries().get("indicator"), "expected a comparison such as \">= 0.5\", got \"" + spec + "\"");
                }
                Indicator.Op op = switch (im.group(1)) {
                    case ">=" -> Indicator.Op.AT_LEAST;
                    case ">" -> Indicator.Op.ABOVE;
                    case "<=" -> Indicator.Op.AT_MOST;
                    case "<" -> Indicator.Op.BELOW;
                    default -> Indicator.Op.EQUALS;
                };
                indicator = new Indicator(op, Double.parseDouble(im.group(2)));
                if (aggregation != Aggregation.MEAN) {
                    throw r.error(m.entries().get("indicator"), "only aggregation: mean takes an indicator");
                }
            }
            if (!m.entries().containsKey("average")) {
                throw r.error(m.line(), m.path() + ".average", "required: state micro or macro");
            }
            Average average = "macro".equals(r.choice(m, "average", "micro", Set.of("micro", "macro"))) ? Average.MACRO : Average.MICRO;
            GroupBy groupBy = GroupBy.valueOf(r.choice(m, "group_by", "none", Set.of("none", "category", "subset"))
                    .toUpperCase(Locale.ROOT));
            if (average == Average.MACRO && groupBy == GroupBy.NONE) {
                throw r.error(m.entries().get("average"), "macro averaging needs group_by: category or subset");
            }
            if (average == Average.MACRO && aggregation != Aggregation.MEAN) {
                throw r.error(m.entries().get("average"), "macro averaging is supported for aggregation: mean");
            }
            if (!m.entries().containsKey("higher_is_better")) {
                throw r.error(m.line(), m.path() + ".higher_is_better", "required");
            }
            boolean higher = r.bool(m, "higher_is_better", true);
            double threshold = r.number(m, "threshold", 0.5, -1e9, 1e9);
            if (m.entries().containsKey("threshold") && aggregation != Aggregation.PROBABILITY_ANY) {
                throw r.error(m.entries().get("threshold"), "only aggregation: probability_any takes a threshold");
            }
            boolean baselineLength = "baseline".equals(r.choice(m, "of", "candidate", Set.of("candidate", "baseline")));
            if (m.entries().containsKey("of") && aggregation != Aggregation.MEAN_LENGTH) {
                throw r.error(m.entries().get("of"), "only aggregation: mean_length takes 'of'");
            }
            if (baselineLength && (dims.isEmpty() || dims.stream().anyMatch(dn -> byName.get(dn).kind() != DimensionKind.PAIRWISE))) {
                throw r.error(m.entries().get("of"), "the baseline's length needs a pairwise dimension");
            }
            out.add(new Suite.Metric(name, r.string(m, "description", ""), aggregation, dims, indicator,
                    filter(r, m.entries().get("where")), average, groupBy, higher, threshold, baselineLength, m.line()));
        }
        return out;
    }

    private static String utf8(byte[] bytes, String source) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(source + ":" + firstBadUtf8Line(bytes), "not valid UTF-8");
        }
    }

    /** The line holding the first malformed UTF-8 sequence. */
    static int firstBadUtf8Line(byte[] b) {
        int line = 1;
        int i = 0;
        while (i < b.length) {
            int lead = b[i] & 0xff;
            if (lead < 0x80) {
                line += lead == '\n' ? 1 : 0;
                i++;
                continue;
            }
            int n = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : -1;
            if (n < 0 || i + n >= b.length + 1) {
                return line;
            }
            for (int k = 1; k <= n; k++) {
                if (i + k >= b.length || (b[i + k] & 0xc0) != 0x80) {
                    return line;
                }
            }
            i += n + 1;
        }
        return line;
    }
}
