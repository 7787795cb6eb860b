package dev.plumbline.engine.judge.validation;

import dev.plumbline.engine.stats.AgreementReport;
import java.util.Map;

/**
 * A judge measured against human labels.
 *
 * @param unscored gold items whose verdict failed (counted, excluded from the agreement)
 * @param reports one agreement report per view (e.g. "3-class", "binary", or one per proposition)
 */
public record ValidationReport(String judge, String goldSet, long items, long unscored,
        Map<String, AgreementReport> reports) {

    public String render() {
        StringBuilder b = new StringBuilder();
        b.append("judge ").append(judge).append(" vs ").append(goldSet).append(": ").append(items)
                .append(" gold items, ").append(unscored).append(" unscored (judge failures, excluded)\n");
        reports.forEach((view, r) -> {
            b.append("  ").append(view).append(": ").append(r.summary()).append('\n');
            if (r.matrix().labels().size() <= 4) {
                for (String line : r.matrix().toTable().split("\n")) {
                    b.append("    ").append(line).append('\n');
                }
            }
        });
        return b.toString();
    }
}
