package dev.plumbline.server.runpage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.engine.run.RunKind;
import dev.plumbline.server.eval.EvaluationService;
import dev.plumbline.server.eval.ReportUnavailableException;
import dev.plumbline.server.run.RunEventSnapshot;
import dev.plumbline.server.run.RunEventType;
import dev.plumbline.server.run.RunNotFoundException;
import dev.plumbline.server.run.RunSnapshot;
import dev.plumbline.server.run.RunStore;
import dev.plumbline.server.train.TrainingService;
import dev.plumbline.server.train.TrainingStorage;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Runs as HTML: {@code /runs} (recent training and evaluation runs) and {@code /runs/{id}} — the
 * run's state, configuration, latest metrics, training curves (inline SVG drawn here, no scripts),
 * checkpoints and events. An evaluation run's page links its report ({@code /runs/{id}/report.json},
 * {@code /runs/{id}/samples.csv}) and leaderboard. Protected by API keys like every HTTP route.
 */
@Path("/runs")
public class RunPageResource {

    private static final int EVENTS_SHOWN = 200;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT);

    private final RunStore runs;
    private final TrainingService trainings;
    private final EvaluationService evaluations;
    private final ObjectMapper json;

    public RunPageResource(RunStore runs, TrainingService trainings, EvaluationService evaluations, ObjectMapper json) {
        this.runs = runs;
        this.trainings = trainings;
        this.evaluations = evaluations;
        this.json = json;
    }

    @GET
    @Blocking
    @Produces(MediaType.TEXT_HTML)
    public Response list() {
        List<RunSnapshot> all = new ArrayList<>();
        all.addAll(runs.list(RunKind.TRAINING, null, 100, "").runs());
        all.addAll(runs.list(RunKind.EVALUATION, null, 100, "").runs());
        all.sort(Comparator.comparing(RunSnapshot::createdAt).reversed());
        List<RunPageView.RunLink> links = all.stream().limit(100).map(r -> new RunPageView.RunLink(r.id(),
                "/runs/" + r.id(), kind(r.kind()), r.name(), r.state().name(), time(r.createdAt()), progress(r),
                r.error() == null ? "" : r.error())).toList();
        return html(Response.ok(RunTemplates.list(links, time(OffsetDateTime.now()))));
    }

    @GET
    @Path("/{id}")
    @Blocking
    @Produces(MediaType.TEXT_HTML)
    public Response page(@PathParam("id") String id) {
        RunSnapshot run = find(id);
        if (run == null) {
            return problem(Response.Status.NOT_FOUND, "Unknown run", "There is no training or evaluation run '" + id + "'.");
        }
        return html(Response.ok(RunTemplates.page(view(run))));
    }

    @GET
    @Path("/{id}/report.json")
    @Blocking
    @Produces(MediaType.APPLICATION_JSON)
    public Response reportJson(@PathParam("id") String id) {
        return report(id, false);
    }

    @GET
    @Path("/{id}/samples.csv")
    @Blocking
    @Produces("text/csv")
    public Response reportCsv(@PathParam("id") String id) {
        return report(id, true);
    }

    private Response report(String id, boolean csv) {
        RunSnapshot run = find(id);
        if (run == null || run.kind() != RunKind.EVALUATION) {
            return problem(Response.Status.NOT_FOUND, "Unknown evaluation run", "There is no evaluation run '" + id + "'.");
        }
        try {
            return Response.ok(csv ? evaluations.reportCsv(id) : evaluations.reportJson(id),
                    csv ? "text/csv; charset=UTF-8" : "application/json; charset=UTF-8").build();
        } catch (ReportUnavailableException e) {
            return problem(Response.Status.CONFLICT, "No report", e.getMessage());
        }
    }

    private RunSnapshot find(String id) {
        for (RunKind kind : RunKind.values()) {
            try {
                return runs.get(kind, id);
            } catch (RunNotFoundException e) {
                // try the next kind
            }
        }
        return null;
    }

    RunPageView view(RunSnapshot run) {
        JsonNode config = readConfig(run.configJson());
        boolean training = run.kind() == RunKind.TRAINING;
        List<RunEventSnapshot> events = allEvents(run);
        Map<String, NavigableMap<Long, Double>> series = new LinkedHashMap<>();
        String stateMessage = "";
        for (RunEventSnapshot e : events) {
            if (e.type() == RunEventType.METRICS && e.step() != null && training) {
                e.metrics().forEach((k, v) -> {
                    if (v != null && Double.isFinite(v)) {
                        series.computeIfAbsent(k, x -> new TreeMap<>()).put(e.step(), v);
                    }
                });
            }
            if (e.type() == RunEventType.STATE && e.message() != null) {
                stateMessage = e.message();
            }
        }
        List<RunPageView.Event> shown = new ArrayList<>();
        for (RunEventSnapshot e : events) {
            if (e.type() == RunEventType.STATE || e.type() == RunEventType.LOG) {
                shown.add(new RunPageView.Event(Long.toString(e.sequence()), time(e.time()), e.type().name(),
                        (e.state() == null ? "" : e.state().name() + (e.message() == null ? "" : ": "))
                                + (e.message() == null ? "" : e.message())));
            }
        }
        if (shown.size() > EVENTS_SHOWN) {
            shown = shown.subList(shown.size() - EVENTS_SHOWN, shown.size());
        }
        List<RunPageView.Checkpoint> checkpoints = new ArrayList<>();
        if (training) {
            java.nio.file.Path models = trainings.modelsDir();
            for (TrainingStorage.CheckpointRecord c : trainings.checkpoints(run.id())) {
                java.nio.file.Path dir = java.nio.file.Path.of(c.directory());
                String modelId = dir.toAbsolutePath().normalize().startsWith(models)
                        ? models.relativize(dir.toAbsolutePath().normalize()).toString().replace('\\', '/') : "";
                checkpoints.add(new RunPageView.Checkpoint(Long.toString(c.step()), c.kind(), modelId, c.directory(),
                        time(c.createdAt()), Files.isDirectory(dir)));
            }
        }
        List<RunPageView.Entry> metrics = new ArrayList<>();
        new TreeMap<>(run.latestMetrics()).forEach((k, v) -> metrics.add(new RunPageView.Entry(k, RunPageView.label(v))));
        String suite = text(config, "suite");
        boolean evaluation = run.kind() == RunKind.EVALUATION;
        return new RunPageView(
                (training ? "Training run " : "Evaluation run ") + (run.name().isBlank() ? run.id() : run.name()),
                run.id(), kind(run.kind()), run.name(), run.state().name(), stateMessage,
                text(config, "algorithm"), text(config, "base_model"), training ? text(config, "output") : "",
                time(run.createdAt()), time(run.startedAt()), time(run.endedAt()), duration(run), progress(run),
                run.error() == null ? "" : run.error(), flatten(config), metrics,
                training ? RunPageView.curves(series) : List.of(), checkpoints, shown,
                evaluation ? "/runs/" + run.id() + "/report.json" : "", evaluation ? "/runs/" + run.id() + "/samples.csv" : "",
                evaluation && !suite.isEmpty() ? "/leaderboard/" + suite : "", time(OffsetDateTime.now()));
    }

    private List<RunEventSnapshot> allEvents(RunSnapshot run) {
        List<RunEventSnapshot> out = new ArrayList<>();
        long after = 0;
        while (true) {
            List<RunEventSnapshot> page = runs.events(run.kind(), run.id(), after, 1000);
            out.addAll(page);
            if (page.size() < 1000) {
                return out;
            }
            after = page.get(page.size() - 1).sequence();
        }
    }

    private JsonNode readConfig(String text) {
        try {
            return json.readTree(text);
        } catch (Exception e) {
            return json.createObjectNode().put("config_json", text);
        }
    }

    /** Config entries as dotted keys ({@code trainer.learning_rate}), lists as JSON. */
    private static List<RunPageView.Entry> flatten(JsonNode config) {
        List<RunPageView.Entry> out = new ArrayList<>();
        flatten("", config, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, List<RunPageView.Entry> out) {
        if (node.isObject()) {
            if (node.isEmpty() && !prefix.isEmpty()) {
                out.add(new RunPageView.Entry(prefix, "(none)"));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isValueNode()) {
            String v = node.asText();
            if (!v.isEmpty()) {
                out.add(new RunPageView.Entry(prefix, v));
            }
        } else {
            out.add(new RunPageView.Entry(prefix, node.toString()));
        }
    }

    private static String text(JsonNode config, String field) {
        JsonNode n = config.get(field);
        return n == null || !n.isValueNode() ? "" : n.asText();
    }

    private static String kind(RunKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    private static String progress(RunSnapshot run) {
        if (run.progressTotal() <= 0) {
            return "";
        }
        String unit = run.kind() == RunKind.TRAINING ? " steps" : " samples";
        return String.format(Locale.ROOT, "%d / %d%s (%.0f%%)", run.progressDone(), run.progressTotal(), unit,
                100.0 * run.progressDone() / run.progressTotal());
    }

    private static String duration(RunSnapshot run) {
        if (run.startedAt() == null) {
            return "";
        }
        Instant end = run.endedAt() == null ? Instant.now() : run.endedAt().toInstant();
        Duration d = Duration.between(run.startedAt().toInstant(), end).truncatedTo(ChronoUnit.SECONDS);
        String text = d.toHours() > 0 ? String.format(Locale.ROOT, "%dh %02dm %02ds", d.toHours(), d.toMinutesPart(),
                d.toSecondsPart()) : d.toMinutes() > 0 ? String.format(Locale.ROOT, "%dm %02ds", d.toMinutes(),
                        d.toSecondsPart()) : d.toSeconds() + " s";
        return run.endedAt() == null ? text + " so far" : text;
    }

    private static String time(OffsetDateTime t) {
        return t == null ? "" : t.atZoneSameInstant(java.time.ZoneOffset.UTC).format(TIME);
    }

    private static Response html(Response.ResponseBuilder b) {
        return b.type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).build();
    }

    private static Response problem(Response.Status status, String title, String message) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity(RunTemplates.problem(status.getStatusCode(), title, message).render()).build();
    }
}
