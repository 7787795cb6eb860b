package dev.plumbline.server.grpc;

import dev.plumbline.proto.v1.FinishReason;
import dev.plumbline.proto.v1.GenerateRequest;
import dev.plumbline.proto.v1.GenerateResponse;
import dev.plumbline.proto.v1.ListModelsRequest;
import dev.plumbline.proto.v1.ListModelsResponse;
import dev.plumbline.proto.v1.LogProbsItem;
import dev.plumbline.proto.v1.LogProbsRequest;
import dev.plumbline.proto.v1.LogProbsResponse;
import dev.plumbline.proto.v1.ModelInfo;
import dev.plumbline.proto.v1.ModelService;
import dev.plumbline.proto.v1.SequenceLogProbs;
import dev.plumbline.server.model.GenerationRequests;
import dev.plumbline.server.model.ModelCatalog;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.context.ManagedExecutor;

@GrpcService
public class ModelGrpcService implements ModelService {

    private final ModelCatalog catalog;
    private final ManagedExecutor executor;

    public ModelGrpcService(ModelCatalog catalog, ManagedExecutor executor) {
        this.catalog = catalog;
        this.executor = executor;
    }

    @Override
    @Blocking
    public Uni<ListModelsResponse> listModels(ListModelsRequest request) {
        return Uni.createFrom().item(() -> {
            ListModelsResponse.Builder b = ListModelsResponse.newBuilder();
            catalog.list(request.getProvider()).forEach(d -> b.addModels(ModelInfo.newBuilder()
                    .setId(d.id()).setProvider(d.provider()).setDescription(d.description())
                    .setContextLength(d.contextLength()).putAllMetadata(d.metadata())));
            return b.build();
        });
    }

    @Override
    public Multi<GenerateResponse> generate(GenerateRequest request) {
        return Multi.createFrom().<GenerateResponse>emitter(emitter -> executor.execute(() -> {
            try {
                LanguageModel model = catalog.get(request.getModel(), "model");
                var s = request.getSettings();
                GenerationSettings settings = GenerationRequests.settings(s.getTemperature(), s.getMaxNewTokens(),
                        s.getTopK(), s.getTopP(), s.getStopList(), s.hasSeed() ? s.getSeed() : null, "settings");
                java.util.function.Consumer<String> onText = delta -> {
                    if (!delta.isEmpty() && !emitter.isCancelled()) {
                        emitter.emit(GenerateResponse.newBuilder().setTextDelta(delta).build());
                    }
                };
                Generation g;
                if (!request.getPrompt().isEmpty()) {
                    if (request.getMessagesCount() > 0) {
                        throw new InvalidInputException("prompt", "give messages or prompt, not both");
                    }
                    g = model.complete(request.getPrompt(), settings, onText);
                } else {
                    g = model.chat(GenerationRequests.messages(JudgeMessages.turns(request.getMessagesList()), "messages"),
                            settings, onText);
                }
                emitter.emit(GenerateResponse.newBuilder()
                        .setDone(true)
                        .addAllTokenIds(g.tokenIds())
                        .setFinishReason(g.finishedByLength() ? FinishReason.FINISH_REASON_LENGTH : FinishReason.FINISH_REASON_STOP)
                        .setPromptTokens(g.promptTokens())
                        .setCompletionTokens(g.tokenIds().size())
                        .build());
                emitter.complete();
            } catch (RuntimeException e) {
                emitter.fail(e);
            }
        }));
    }

    @Override
    @Blocking
    public Uni<LogProbsResponse> logProbs(LogProbsRequest request) {
        return Uni.createFrom().item(() -> {
            LanguageModel model = catalog.get(request.getModel(), "model");
            if (request.getItemsCount() == 0) {
                throw new InvalidInputException("items", "at least one item is required");
            }
            List<List<ChatTurn>> prompts = new ArrayList<>();
            List<String> completions = new ArrayList<>();
            for (int i = 0; i < request.getItemsCount(); i++) {
                LogProbsItem item = request.getItems(i);
                if (!item.getPrompt().isEmpty() && item.getMessagesCount() > 0) {
                    throw new InvalidInputException("items[" + i + "].prompt", "give messages or prompt, not both");
                }
                prompts.add(item.getPrompt().isEmpty()
                        ? GenerationRequests.messages(JudgeMessages.turns(item.getMessagesList()), "items[" + i + "].messages")
                        : List.of(ChatTurn.user(item.getPrompt())));
                completions.add(item.getCompletion());
            }
            LogProbsResponse.Builder b = LogProbsResponse.newBuilder();
            for (dev.plumbline.spi.SequenceLogProbs s : model.logProbs(prompts, completions)) {
                b.addResults(SequenceLogProbs.newBuilder().addAllTokenLogprobs(s.tokenLogProbs())
                        .addAllTokenIds(s.tokenIds()).addAllTokens(s.tokens()).setTotal(s.total()));
            }
            return b.build();
        });
    }
}
