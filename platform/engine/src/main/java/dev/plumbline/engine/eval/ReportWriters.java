package dev.plumbline.engine.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.engine.stats.Estimate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Exports a report. JSON follows lm-eval's results layout where it has one ({@code results} keyed
 * {@code "<metric>,<dimension>"} with {@code _stderr} companions, {@code higher_is_better},
 * {@code n-samples}, {@code versions}) and adds intervals, per-metric details, the ranking and the
 * manifest; CSV has one row per sample.
 */
public final class ReportWriters {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriters() {}

    /** @param includeSamples also embed every sample record (large); the CSV holds them too */
    public static JsonNode toJson(EvaluationReport report, boolean includeSamples) {
        ObjectNode root = JSON.createObjectNode();
        RunManifest m = report.manifest();
        root.put("schema", m.schema());
        root.set("manifest", JSON.valueToTree(m));

        ObjectNode results = root.putObject("results");
        ObjectNode metrics = root.putObject("metrics");
        ObjectNode higher = root.putObject("higher_is_better");
        ObjectNode nSamples = root.putObject("n-samples");
        for (CandidateResult c : report.candidates()) {
            ObjectNode flat = results.putObject(c.candidateId());
            flat.put("alias", c.candidateId());
            ArrayNode list = metrics.putArray(c.candidateId());
            for (MetricResult r : c.metrics()) {
                String filter = r.dimensions().isEmpty() ? "none" : String.join("+", r.dimensions());
                Estimate e = r.estimate();
                number(flat, r.name() + "," + filter, e == null ? Double.NaN : e.value());
                number(flat, r.name() + "_stderr," + filter, e == null ? Double.NaN : e.standardError());
                number(flat, r.name() + "_ci_lower," + filter, e == null ? Double.NaN : e.interval().lower());
                number(flat, r.name() + "_ci_upper," + filter, e == null ? Double.NaN : e.interval().upper());
                higher.put(r.name(), r.higherIsBetter());

                ObjectNode o = list.addObject();
                o.put("name", r.name());
                o.put("description", r.description());
                o.put("aggregation", r.aggregation().name().toLowerCase(java.util.Locale.ROOT));
                o.set("dimensions", JSON.valueToTree(r.dimensions()));
                o.put("average", r.average().name().toLowerCase(java.util.Locale.ROOT));
                o.put("group_by", r.groupBy().name().toLowerCase(java.util.Locale.ROOT));
                o.put("higher_is_better", r.higherIsBetter());
                estimate(o, e);
                o.put("interval_method", r.intervalMethod());
                o.put("items", r.items());
                o.put("scored", r.scored());
                o.put("unscored", r.unscored());
                o.put("generation_failures", r.generationFailures());
                ObjectNode breakdown = o.putObject("breakdown");
                r.breakdown().forEach((g, ge) -> estimate(breakdown.putObject(g), ge));
                ObjectNode details = o.putObject("details");
                r.details().forEach((k, v) -> number(details, k, v));
                o.put("note", r.note());
            }
            ObjectNode n = nSamples.putObject(c.candidateId());
            n.put("planned", c.planned());
            n.put("recorded", c.recorded());
            n.put("generation_failures", c.generationFailures());
            n.set("judged", JSON.valueToTree(c.judged()));
            n.set("judge_failures", JSON.valueToTree(c.judgeFailures()));
        }
        ArrayNode ranking = root.putArray("ranking");
        for (Ranking r : report.ranking()) {
            ObjectNode o = ranking.addObject();
            o.put("candidate", r.candidateId());
            o.put("rank", r.rank());
            estimate(o, r.primary());
        }
        root.putObject("versions").put(m.suite().id(), m.suite().version());
        if (includeSamples) {
            root.set("samples", JSON.valueToTree(report.samples()));
        }
        return root;
    }

    public static void writeJson(EvaluationReport report, Writer out, boolean includeSamples) {
        try {
            JSON.writeValue(out, toJson(report, includeSamples));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void writeJson(EvaluationReport report, Path file, boolean includeSamples) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writeJson(report, w, includeSamples);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CSV header for a suite: fixed columns, then per dimension {@code <dim>_status}, {@code _value}, … */
    public static List<String> csvHeader(Suite suite) {
        List<String> h = new ArrayList<>(List.of("suite", "candidate", "item", "sample", "subset", "category", "seed",
                "request_key", "cache_hits", "latency_ms", "finished_by_length", "generation_error", "response_chars", "response"));
        for (Suite.Dimension d : suite.dimensions()) {
            h.addAll(List.of(d.name() + "_status", d.name() + "_value", d.name() + "_error", d.name() + "_explanation"));
            if (d.kind() == Suite.DimensionKind.PAIRWISE) {
                h.addAll(List.of(d.name() + "_preference", d.name() + "_position_consistent", d.name() + "_opponent"));
            }
        }
        return h;
    }

    /** One row per sample; the response column holds the last turn's response. */
    public static void writeCsv(EvaluationReport report, Suite suite, Writer out) {
        try {
            CSVPrinter p = new CSVPrinter(out, CSVFormat.RFC4180.builder().setHeader(csvHeader(suite).toArray(String[]::new)).build());
            for (SampleRecord r : report.samples()) {
                List<Object> row = new ArrayList<>(List.of(r.key().suiteId(), r.key().candidateId(), r.key().itemId(),
                        r.key().sampleIndex(), r.subset(), r.category(), r.seed(), r.requestKey(), r.generation().cacheHits(),
                        r.generation().latencyMillis(), r.generation().finishedByLength(), r.generationError(),
                        r.response(0).codePointCount(0, r.response(0).length()), r.response(0)));
                for (Suite.Dimension d : suite.dimensions()) {
                    DimensionResult dr = r.dimensions().get(d.name());
                    row.add(dr == null ? "" : dr.status().name());
                    row.add(dr == null || dr.value() == null ? "" : dr.value());
                    row.add(dr == null ? "" : dr.error());
                    row.add(dr == null ? "" : dr.explanation());
                    if (d.kind() == Suite.DimensionKind.PAIRWISE) {
                        DimensionResult.Pairwise pw = dr == null ? null : dr.pairwise();
                        row.add(pw == null ? "" : pw.preference().name());
                        row.add(pw == null ? "" : pw.positionConsistent());
                        row.add(pw == null ? "" : pw.opponent());
                    }
                }
                p.printRecord(row);
            }
            p.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void writeCsv(EvaluationReport report, Suite suite, Path file) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writeCsv(report, suite, w);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void estimate(ObjectNode o, Estimate e) {
        if (e == null) {
            o.putNull("value");
            return;
        }
        number(o, "value", e.value());
        number(o, "stderr", e.standardError());
        number(o, "ci_lower", e.interval().lower());
        number(o, "ci_upper", e.interval().upper());
        number(o, "ci_level", e.interval().level());
        o.put("n", e.n());
    }

    /** JSON has no NaN: an undefined number is null. */
    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }
}
