package dev.plumbline.plugin.model.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.openai.FakeOpenAiServer;
import dev.plumbline.openai.FakeOpenAiServer.Reply;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.ModelProvider;
import dev.plumbline.spi.ProviderContext;
import dev.plumbline.spi.SequenceLogProbs;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiModelProviderTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<ChatTurn> QUESTION = List.of(ChatTurn.user("Capital of France?"));

    final OpenAiModelProvider provider = new OpenAiModelProvider();
    FakeOpenAiServer server;

    @BeforeEach
    void start() throws Exception {
        server = new FakeOpenAiServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Settings as the server passes them; base-url points at the fake server unless overridden. */
    ProviderContext context(String... kv) {
        Map<String, String> settings = new HashMap<>(Map.of("base-url", server.baseUrl(), "models", "fake-model",
                "timeout-seconds", "2", "max-retries", "2"));
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                settings.remove(kv[i]);
            } else {
                settings.put(kv[i], kv[i + 1]);
            }
        }
        return new ProviderContext(Path.of("unused-models-dir"), settings);
    }

    LanguageModel open(String... kv) {
        return provider.open("fake-model", context(kv));
    }

    @Test
    void isDiscoveredAsTheOpenaiModelProvider() {
        assertThat(ServiceLoader.load(ModelProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.id().equals("openai")).toList()).singleElement().isInstanceOf(OpenAiModelProvider.class);
    }

    @Test
    void configuredModelsAreListedWithoutAskingTheEndpoint() {
        List<ModelDescriptor> models = provider.listModels(context("models", " gpt-4o-mini, llama3:8b ,,gpt-4o-mini",
                "context-length", "8192"));
        assertThat(models).extracting(ModelDescriptor::id).containsExactly("gpt-4o-mini", "llama3:8b");
        assertThat(models.get(0).provider()).isEqualTo("openai");
        assertThat(models.get(0).contextLength()).isEqualTo(8192);
        assertThat(models.get(0).metadata()).containsEntry("base_url", server.baseUrl())
                .containsEntry("listed_by", "configuration");
        assertThat(server.requests).isEmpty();
    }

    @Test
    void withoutConfiguredModelsTheEndpointsListIsExposed() {
        server.behaviour = r -> Reply.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"served-a\",\"owned_by\":\"vllm\","
                + "\"max_model_len\":4096},{\"id\":\"served-b\"}]}");
        List<ModelDescriptor> models = provider.listModels(context("models", null, "api-key", "sk-list",
                "context-length", "2048"));
        assertThat(models).extracting(ModelDescriptor::id).containsExactly("served-a", "served-b");
        assertThat(models).extracting(ModelDescriptor::contextLength).containsExactly(4096L, 2048L);
        assertThat(models.get(0).metadata()).containsEntry("owned_by", "vllm").containsEntry("listed_by", "endpoint");
        assertThat(server.requests).singleElement().satisfies(r -> {
            assertThat(r.path()).isEqualTo("/v1/models");
            assertThat(r.header("authorization")).isEqualTo("Bearer sk-list");
        });
        assertThat(provider.open("served-b", context("models", null)).descriptor().id()).isEqualTo("served-b");
        InvalidInputException unknown = catchThrowableOfType(() -> provider.open("served-c", context("models", null)),
                InvalidInputException.class);
        assertThat(unknown.field()).isEqualTo("model");
        assertThat(unknown.getMessage()).contains("no model 'served-c'").contains("served-a, served-b");
    }

    @Test
    void withoutABaseUrlNothingIsListedAndOpeningSaysWhy() {
        assertThat(provider.listModels(new ProviderContext(Path.of("m"), Map.of()))).isEmpty();
        assertThat(provider.listModels(context("base-url", " "))).isEmpty();
        InvalidInputException e = catchThrowableOfType(() -> provider.open("gpt-4o", new ProviderContext(Path.of("m"),
                Map.of())), InvalidInputException.class);
        assertThat(e.field()).isEqualTo("model");
        assertThat(e.getMessage()).contains("plumbline.providers.openai.base-url");
    }

    @Test
    void badSettingsAreNamedByTheirFullKey() {
        assertThat(catchThrowableOfType(() -> provider.listModels(context("base_url", "http://x/v1")),
                InvalidInputException.class).field()).isEqualTo("plumbline.providers.openai.base_url");
        assertThat(catchThrowableOfType(() -> provider.listModels(context("timeout-seconds", "soon")),
                InvalidInputException.class).field()).isEqualTo("plumbline.providers.openai.timeout-seconds");
        assertThat(catchThrowableOfType(() -> provider.listModels(context("max-concurrency", "0")),
                InvalidInputException.class).field()).isEqualTo("plumbline.providers.openai.max-concurrency");
        assertThat(catchThrowableOfType(() -> provider.listModels(context("max-retries", "2.5")),
                InvalidInputException.class).field()).isEqualTo("plumbline.providers.openai.max-retries");
        InvalidInputException url = catchThrowableOfType(() -> provider.listModels(context("base-url", "localhost:8000/v1")),
                InvalidInputException.class);
        assertThat(url.field()).isEqualTo("plumbline.providers.openai.base-url");
        assertThat(url.getMessage()).contains("http://");
    }

    @Test
    void chatAgainstANonStreamingEndpointGivesTheTextOnceWithUsageAndFinishReason() {
        server.behaviour = r -> Reply.chat("Paris is the capital", "length", new int[] {12, 4});
        List<String> pieces = new ArrayList<>();
        Generation g = open().chat(QUESTION, GenerationSettings.greedy(4), pieces::add);
        assertThat(g.text()).isEqualTo("Paris is the capital");
        assertThat(pieces).containsExactly("Paris is the capital");
        assertThat(g.promptTokens()).isEqualTo(12);
        assertThat(g.finishedByLength()).isTrue();
        assertThat(g.tokenIds()).isEmpty();
    }

    @Test
    void chatStreamsDeltasThatConcatenateToTheAnswer() {
        server.behaviour = r -> Reply.chatStream(List.of("Par", "is", " is the", " capital", "."), "stop", new int[] {9, 6})
                .spaced(10);
        List<String> pieces = new ArrayList<>();
        Generation g = open().chat(QUESTION, GenerationSettings.greedy(64), pieces::add);
        assertThat(pieces).containsExactly("Par", "is", " is the", " capital", ".");
        assertThat(g.text()).isEqualTo(String.join("", pieces)).isEqualTo("Paris is the capital.");
        assertThat(g.promptTokens()).isEqualTo(9);
        assertThat(g.finishedByLength()).isFalse();
        JsonNode sent = server.requests.get(0).body();
        assertThat(sent.path("stream").asBoolean()).isTrue();
        assertThat(sent.path("model").asText()).isEqualTo("fake-model");
        assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("user");
        assertThat(sent.path("messages").get(0).path("content").asText()).isEqualTo("Capital of France?");
    }

    @Test
    void samplingSettingsArePassedThroughAndOffMeansLeftOut() {
        open().chat(QUESTION, new GenerationSettings(0.3, 17, 5, 0.8, List.of("###", "\nUser:"), 42L), t -> {});
        JsonNode sent = server.requests.get(0).body();
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(17);
        assertThat(sent.path("top_k").asInt()).isEqualTo(5);
        assertThat(sent.path("top_p").asDouble()).isEqualTo(0.8);
        assertThat(sent.path("stop").toString()).isEqualTo("[\"###\",\"\\nUser:\"]");
        assertThat(sent.path("seed").asLong()).isEqualTo(42L);

        open().chat(QUESTION, new GenerationSettings(0.0, 0, 0, 1.0, List.of(), null), t -> {});
        JsonNode greedy = server.requests.get(1).body();
        assertThat(greedy.path("temperature").asDouble()).isZero();
        assertThat(greedy.has("max_tokens") || greedy.has("top_k") || greedy.has("top_p") || greedy.has("stop")
                || greedy.has("seed")).isFalse();
    }

    @Test
    void serverErrorsAreRetriedThenTheAnswerArrives() {
        AtomicInteger calls = new AtomicInteger();
        server.behaviour = r -> calls.incrementAndGet() <= 2 ? Reply.json(502, "bad gateway")
                : Reply.chatStream(List.of("ok"), "stop", null);
        assertThat(open().chat(QUESTION, GenerationSettings.greedy(8), t -> {}).text()).isEqualTo("ok");
        assertThat(calls).hasValue(3);
    }

    @Test
    void persistentServerErrorsFailAfterTheConfiguredRetriesNeverAsAnEmptyAnswer() {
        server.behaviour = r -> Reply.json(503, "{\"error\":{\"message\":\"overloaded\"}}");
        LanguageModel model = open("max-retries", "3");
        RuntimeException e = catchThrowableOfType(() -> model.chat(QUESTION, GenerationSettings.greedy(8), t -> {}),
                RuntimeException.class);
        assertThat(e.getMessage()).contains("/v1/chat/completions").contains("HTTP 503").contains("overloaded")
                .endsWith("(after 3 retries)");
        assertThat(server.requests).hasSize(4);
    }

    @Test
    void anUnreachableEndpointIsAClearErrorAfterRetries() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort + "/v1";
        LanguageModel model = open("base-url", url, "max-retries", "1");
        RuntimeException e = catchThrowableOfType(() -> model.chat(QUESTION, GenerationSettings.greedy(8), t -> {}),
                RuntimeException.class);
        assertThat(e.getMessage()).startsWith("POST " + url + "/chat/completions: cannot connect").endsWith("(after 1 retries)");
        // Discovery against it fails loudly too (the server logs it and lists the other providers' models).
        assertThat(catchThrowableOfType(() -> provider.listModels(context("base-url", url, "models", null, "max-retries", "0")),
                RuntimeException.class).getMessage()).startsWith("GET " + url + "/models: cannot connect");
    }

    @Test
    void aSlowEndpointTimesOut() {
        server.behaviour = r -> Reply.chat("too late", "stop", null).delayed(1500);
        RuntimeException e = catchThrowableOfType(() -> open("timeout-seconds", "0.3", "max-retries", "0")
                .chat(QUESTION, GenerationSettings.greedy(8), t -> {}), RuntimeException.class);
        assertThat(e.getMessage()).contains("timed out after 300 ms");
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void garbageAnswersAreErrorsNotAnswersAndAreNotRetried() {
        LanguageModel model = open();
        for (Reply garbage : List.of(Reply.raw(200, "text/html", "<html>502 proxy error page</html>"),
                Reply.json(200, "{\"object\":\"chat.completion\"}"),
                Reply.raw(200, "text/event-stream", "data: not json\n\n"),
                Reply.raw(200, "text/event-stream", "data: [DONE]\n\n"))) {
            server.requests.clear();
            server.behaviour = r -> garbage;
            RuntimeException e = catchThrowableOfType(() -> model.chat(QUESTION, GenerationSettings.greedy(8), t -> {}),
                    RuntimeException.class);
            assertThat(e).as(garbage.body()).isNotNull();
            assertThat(e.getMessage()).contains("/v1/chat/completions");
            assertThat(server.requests).as(garbage.body()).hasSize(1);
        }
    }

    @Test
    void unauthorizedIsNotRetried() {
        server.behaviour = r -> Reply.json(401, "{\"error\":{\"message\":\"Incorrect API key provided\"}}");
        RuntimeException e = catchThrowableOfType(() -> open("api-key", "sk-wrong", "max-retries", "5")
                .chat(QUESTION, GenerationSettings.greedy(8), t -> {}), RuntimeException.class);
        assertThat(e.getMessage()).contains("HTTP 401").contains("Incorrect API key").doesNotContain("sk-wrong");
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void requestsInFlightAreBoundedByMaxConcurrency() throws Exception {
        server.behaviour = r -> Reply.chatStream(List.of(FakeOpenAiServer.userMessage(r)), "stop", null).spaced(40);
        LanguageModel model = open("max-concurrency", "2", "timeout-seconds", "10");
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<Generation>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                List<ChatTurn> question = List.of(ChatTurn.user("question " + i));
                answers.add(callers.submit(() -> model.chat(question, GenerationSettings.greedy(8), t -> {})));
            }
            for (int i = 0; i < 8; i++) {
                assertThat(answers.get(i).get().text()).isEqualTo("question " + i);
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(server.maxInFlight.get()).isEqualTo(2);
    }

    @Test
    void rawCompletionGoesToTheCompletionsRouteStreamed() {
        List<String> pieces = new ArrayList<>();
        Generation g = open().complete("Once upon a time", new GenerationSettings(0.0, 5, 0, 1.0, List.of("\n"), 7L),
                pieces::add);
        assertThat(pieces).containsExactly("Hello", ", world");
        assertThat(g.text()).isEqualTo("Hello, world");
        assertThat(g.promptTokens()).isEqualTo(5);
        JsonNode sent = server.requests.get(0).body();
        assertThat(server.requests.get(0).path()).isEqualTo("/v1/completions");
        assertThat(sent.path("prompt").asText()).isEqualTo("Once upon a time");
        assertThat(sent.has("messages")).isFalse();
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(5);
        assertThat(sent.path("seed").asLong()).isEqualTo(7L);

        server.behaviour = r -> Reply.json(404, "{\"detail\":\"Not Found\"}");
        InvalidInputException e = catchThrowableOfType(() -> open().complete("x", GenerationSettings.greedy(4), t -> {}),
                InvalidInputException.class);
        assertThat(e.field()).isEqualTo("model");
        assertThat(e.getMessage()).contains("does not serve raw completion").contains("HTTP 404");
    }

    /**
     * A scorer like vLLM's echo: the text is split into words with their leading whitespace, each token's
     * log-prob is minus its length in code points, offsets count code points, and one generated token follows.
     */
    static Reply echoScorer(FakeOpenAiServer.Request r) {
        String text = r.body().path("prompt").asText() + " And";
        ObjectNode logprobs = JSON.createObjectNode();
        Matcher m = Pattern.compile("\\s*\\S+").matcher(text);
        while (m.find()) {
            String token = m.group();
            logprobs.withArray("tokens").add(token);
            if (m.start() == 0) {
                logprobs.withArray("token_logprobs").addNull();
            } else {
                logprobs.withArray("token_logprobs").add(-(double) token.codePointCount(0, token.length()));
            }
            logprobs.withArray("text_offset").add(text.codePointCount(0, m.start()));
        }
        return Reply.completion(text, "length", new int[] {logprobs.withArray("tokens").size() - 1, 1}, logprobs);
    }

    @Test
    void logProbsScoreOnlyTheCompletionTokensOfTheEchoedPrompt() {
        server.behaviour = OpenAiModelProviderTest::echoScorer;
        // The flag emoji is 2 code points but 4 Java chars: offsets must be counted the servers' way.
        List<ChatTurn> conversation = List.of(ChatTurn.system("Answer briefly."), ChatTurn.user("Capital of 🇫🇷?"));
        List<SequenceLogProbs> lps = open().logProbs(List.of(conversation, conversation),
                List.of("Paris", "Lyon is the capital"));

        assertThat(lps.get(0).tokens()).containsExactly(" Paris");
        assertThat(lps.get(0).tokenLogProbs()).containsExactly(-6.0);
        assertThat(lps.get(0).tokenIds()).isEmpty();
        assertThat(lps.get(1).tokens()).containsExactly(" Lyon", " is", " the", " capital");
        assertThat(lps.get(1).total()).isEqualTo(-(5 + 3 + 4 + 8));

        JsonNode sent = server.requests.get(0).body();
        assertThat(server.requests.get(0).path()).isEqualTo("/v1/completions");
        assertThat(sent.path("prompt").asText()).isEqualTo("System: Answer briefly.\n\nUser: Capital of 🇫🇷?\n\nAssistant: Paris");
        assertThat(sent.path("echo").asBoolean()).isTrue();
        assertThat(sent.path("logprobs").asInt()).isEqualTo(1);
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(1);
        assertThat(sent.path("temperature").asDouble()).isZero();
    }

    @Test
    void anEndpointWithoutPromptLogProbsSaysSoOnceAndIsNotAskedAgain() {
        server.behaviour = r -> Reply.json(404, "{\"error\":\"no /v1/completions here\"}");
        LanguageModel model = open();
        for (int attempt = 0; attempt < 2; attempt++) {
            InvalidInputException e = catchThrowableOfType(() -> model.logProbs(List.of(QUESTION), List.of("Paris")),
                    InvalidInputException.class);
            assertThat(e.field()).isEqualTo("model");
            assertThat(e.getMessage()).startsWith("model: endpoint does not expose prompt log-probs");
        }
        assertThat(server.requests).hasSize(1);

        // An endpoint that ignores echo/logprobs (a chat-only proxy answering /completions) is caught too.
        server.behaviour = r -> Reply.completion("Hello", "stop", null, null);
        InvalidInputException ignored = catchThrowableOfType(() -> open().logProbs(List.of(QUESTION), List.of("Paris")),
                InvalidInputException.class);
        assertThat(ignored.getMessage()).contains("endpoint does not expose prompt log-probs").contains("no logprobs");

        InvalidInputException mismatch = catchThrowableOfType(() -> open().logProbs(List.of(QUESTION), List.of("a", "b")),
                InvalidInputException.class);
        assertThat(mismatch.field()).isEqualTo("completions");
    }
}
