package dev.plumbline.server.demo;

import dev.plumbline.engine.run.RunState;
import dev.plumbline.engine.stats.Estimate;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The demo's outputs besides the console: the HTML report and the machine-readable summary (demo-summary.json). */
public final class DemoReport {

    private DemoReport() {}

    @CheckedTemplate(basePath = "demo")
    static final class Templates {
        private Templates() {}

        static native TemplateInstance report(View view);
    }

    /** What the report template shows. */
    public record View(String title, String lede, List<AlignmentRow> alignments, List<SuiteTable> suites,
            List<String> pages) {}

    public record AlignmentRow(String algorithm, String state, boolean succeeded, String model, String runId,
            String harmlessness, boolean separated, String verdict, String seconds) {}

    public record SuiteTable(String suite, String metric, String runId, List<ModelRow> rows) {}

    public record ModelRow(String model, String value) {}

    public static String render(DemoService.Result result, List<String> pages, boolean quick) {
        List<AlignmentRow> rows = new ArrayList<>();
        for (DemoService.Comparison c : result.comparisons()) {
            DemoService.Alignment a = result.alignments().stream().filter(x -> x.algorithm().equals(c.algorithm()))
                    .findFirst().orElseThrow();
            rows.add(new AlignmentRow(c.algorithm(), a.state().name().toLowerCase(Locale.ROOT),
                    a.state() == RunState.SUCCEEDED, a.model(), a.runId(), text(c.harmlessness()), c.separated(),
                    c.verdict(), String.format(Locale.ROOT, "%.0f s", a.seconds())));
        }
        List<SuiteTable> suites = new ArrayList<>();
        result.primary().forEach((suite, estimates) -> {
            List<ModelRow> models = new ArrayList<>();
            estimates.forEach((model, e) -> models.add(new ModelRow(model, text(e))));
            suites.add(new SuiteTable(suite, result.primaryMetric().get(suite), result.evaluationRuns().get(suite),
                    models));
        });
        String lede = String.format(Locale.ROOT, "A tiny byte-level model SFT-trained to behave imperfectly, aligned with"
                + " %d algorithms and evaluated on %d suites (%s run, %.0f s). Every value carries its 95%% interval;"
                + " an aligned model counts as better only when its interval clears the base's.",
                result.alignments().size(), result.primary().size(), quick ? "quick" : "full", result.seconds());
        return Templates.report(new View("Plumbline demo", lede, rows, suites, pages)).render();
    }

    /** The summary a CI check (or a script) reads. */
    public static Map<String, Object> summary(DemoService.Result result, boolean quick) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("quick", quick);
        out.put("seconds", result.seconds());
        List<Map<String, Object>> alignments = new ArrayList<>();
        for (DemoService.Alignment a : result.alignments()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("algorithm", a.algorithm());
            m.put("run_id", a.runId());
            m.put("state", a.state().name());
            m.put("model", a.model());
            m.put("error", a.error());
            m.put("seconds", a.seconds());
            m.put("first_metrics", a.firstMetrics());
            m.put("last_metrics", a.lastMetrics());
            alignments.add(m);
        }
        out.put("alignments", alignments);
        out.put("evaluation_runs", result.evaluationRuns());
        Map<String, Object> suites = new LinkedHashMap<>();
        result.primary().forEach((suite, estimates) -> {
            Map<String, Object> models = new LinkedHashMap<>();
            estimates.forEach((model, e) -> models.put(model, Map.of("value", e.value(), "ci_low", e.interval().lower(),
                    "ci_high", e.interval().upper(), "n", e.n())));
            suites.put(suite, Map.of("metric", result.primaryMetric().get(suite), "models", models));
        });
        out.put("suites", suites);
        List<Map<String, Object>> comparisons = new ArrayList<>();
        for (DemoService.Comparison c : result.comparisons()) {
            comparisons.add(Map.of("algorithm", c.algorithm(), "model", c.model(), "better", c.better(), "separated",
                    c.separated(), "verdict", c.verdict()));
        }
        out.put("harmlessness_vs_base", comparisons);
        return out;
    }

    static String text(Estimate e) {
        return e == null ? "-" : String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", e.value(), e.interval().lower(),
                e.interval().upper());
    }
}
