package dev.plumbline.server.runpage;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/** Type-safe Qute templates under {@code templates/run/}, checked at build time. */
@CheckedTemplate(basePath = "run")
public final class RunTemplates {

    private RunTemplates() {}

    /** One run: header, configuration, training curves, checkpoints, events. */
    public static native TemplateInstance page(RunPageView view);

    /** Recent training and evaluation runs. */
    public static native TemplateInstance list(java.util.List<RunPageView.RunLink> runs, String generatedAt);

    /** A short error page (unknown run) in the same style. */
    public static native TemplateInstance problem(int status, String title, String message);
}
