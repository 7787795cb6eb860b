package dev.plumbline.server.cli;

import dev.plumbline.server.eval.EvaluationService;
import dev.plumbline.server.train.TrainingService;
import io.quarkus.runtime.Quarkus;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import picocli.CommandLine.Command;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the server: gRPC, /q/health, /q/metrics and the web pages on one port (default 8080).")
public class ServeCommand implements Runnable {

    @ConfigProperty(name = "quarkus.http.port")
    int port;

    @ConfigProperty(name = "plumbline.data-dir")
    String dataDir;

    @Inject
    EvaluationService evaluations;

    @Inject
    TrainingService trainings;

    @Override
    public void run() {
        evaluations.resumeUnfinished();
        trainings.resumeUnfinished();
        System.out.printf("Plumbline serving on port %d (gRPC, /q/health, /q/metrics); data in %s. Ctrl-C stops.%n",
                port, dataDir);
        Quarkus.waitForExit();
    }
}
