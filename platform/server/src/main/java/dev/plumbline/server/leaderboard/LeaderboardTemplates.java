package dev.plumbline.server.leaderboard;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/**
 * Type-safe Qute templates under {@code templates/leaderboard/}, checked at build time. The HTTP
 * page and {@code plumbline leaderboard --html} both render {@link #page}, so they cannot drift.
 */
@CheckedTemplate(basePath = "leaderboard")
public final class LeaderboardTemplates {

    private LeaderboardTemplates() {}

    public static native TemplateInstance page(LeaderboardView view);

    /** A short error page (unknown suite, bad metric) in the same style. */
    public static native TemplateInstance problem(int status, String title, String message);
}
