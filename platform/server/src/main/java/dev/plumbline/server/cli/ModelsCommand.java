package dev.plumbline.server.cli;

import dev.plumbline.server.model.GenerationRequests;
import dev.plumbline.server.model.ModelCatalog;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.ModelDescriptor;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List the models the providers offer (local checkpoints, ONNX, endpoints), or chat with one.",
        subcommands = {ModelsCommand.Chat.class})
public class ModelsCommand implements Callable<Integer> {

    @Option(names = "--provider", description = "Only this provider's models.")
    String provider;

    @Inject
    ModelCatalog catalog;

    @Override
    public Integer call() {
        List<ModelDescriptor> models = catalog.list(provider);
        if (models.isEmpty()) {
            System.out.println("No models. Put Hugging Face-layout checkpoints under <data-dir>/models, "
                    + "or configure an endpoint (plumbline.providers.openai.*).");
            return 0;
        }
        System.out.printf("%-32s %-10s %8s  %s%n", "ID", "PROVIDER", "CONTEXT", "DESCRIPTION");
        for (ModelDescriptor d : models) {
            System.out.printf("%-32s %-10s %8d  %s%n", d.id(), d.provider(), d.contextLength(), d.description());
        }
        return 0;
    }

    @Command(name = "chat", mixinStandardHelpOptions = true, description = "Send one message and stream the reply.")
    static class Chat implements Callable<Integer> {

        @Option(names = "--model", required = true, description = "Model id (see 'plumbline models').")
        String model;

        @Option(names = "--system", description = "System message.")
        String system;

        @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default ${DEFAULT-VALUE}).")
        double temperature;

        @Option(names = "--max-new-tokens", defaultValue = "256", description = "Default ${DEFAULT-VALUE}.")
        int maxNewTokens;

        @Option(names = "--top-k", defaultValue = "0")
        int topK;

        @Option(names = "--top-p", defaultValue = "1")
        double topP;

        @Option(names = "--seed", description = "Same seed, same reply.")
        Long seed;

        @Option(names = "--stop", description = "Stop sequence (repeatable).")
        List<String> stop = new ArrayList<>();

        @Parameters(arity = "1..*", description = "The user message.")
        List<String> message;

        @Inject
        ModelCatalog catalog;

        @Override
        public Integer call() {
            List<ChatTurn> turns = new ArrayList<>();
            if (system != null) {
                turns.add(ChatTurn.system(system));
            }
            turns.add(ChatTurn.user(String.join(" ", message)));
            Generation g = catalog.get(model, "--model").chat(turns,
                    GenerationRequests.settings(temperature, maxNewTokens, topK, topP, stop, seed, "--"),
                    delta -> {
                        System.out.print(delta);
                        System.out.flush();
                    });
            System.out.println();
            System.err.printf("[%d prompt tokens, %d new tokens, %s]%n", g.promptTokens(), g.tokenIds().size(),
                    g.finishedByLength() ? "stopped at max new tokens" : "finished");
            return 0;
        }
    }
}
