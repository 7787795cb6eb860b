package dev.plumbline.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.openai.FakeOpenAiServer.Reply;
import dev.plumbline.openai.FakeOpenAiServer.Request;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiClientTest {

    FakeOpenAiServer server;

    @BeforeEach
    void start() throws Exception {
        server = new FakeOpenAiServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    OpenAiClient client(double timeoutSeconds, int maxRetries, int maxConcurrency) {
        return new OpenAiClient(new OpenAiEndpoint(server.baseUrl() + "/", "sk-test", Duration.ofMillis(
                Math.round(timeoutSeconds * 1000)), maxRetries, maxConcurrency));
    }

    OpenAiClient client() {
        return client(2, 2, 4);
    }

    static ChatRequest ask(String text) {
        return new ChatRequest("m", List.of(new ChatMessage("user", text)), Sampling.DEFAULTS, null);
    }

    @Test
    void chatSendsEverySamplingFieldAndReadsContentFinishReasonAndUsage() {
        server.behaviour = r -> Reply.chat("Paris.", "length", new int[] {11, 3});
        Sampling sampling = new Sampling(0.7, 32, 0.9, 40, List.of("\n\n", "END"), 1234L);
        ChatCompletion c = client().chat(new ChatRequest("judge-1",
                List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Capital of France?")),
                sampling, null));

        assertThat(c.content()).isEqualTo("Paris.");
        assertThat(c.finishReason()).isEqualTo("length");
        assertThat(c.finishedByLength()).isTrue();
        assertThat(c.usage()).isEqualTo(new Usage(11, 3, 14));

        Request r = server.requests.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/v1/chat/completions");
        assertThat(r.header("authorization")).isEqualTo("Bearer sk-test");
        assertThat(r.header("content-type")).isEqualTo("application/json");
        JsonNode b = r.body();
        assertThat(b.path("model").asText()).isEqualTo("judge-1");
        assertThat(b.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(b.path("messages").get(1).path("content").asText()).isEqualTo("Capital of France?");
        assertThat(b.path("temperature").asDouble()).isEqualTo(0.7);
        assertThat(b.path("max_tokens").asInt()).isEqualTo(32);
        assertThat(b.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(b.path("top_k").asInt()).isEqualTo(40);
        assertThat(b.path("stop").toString()).isEqualTo("[\"\\n\\n\",\"END\"]");
        assertThat(b.path("seed").asLong()).isEqualTo(1234L);
        assertThat(b.has("stream")).isFalse();
    }

    @Test
    void unsetSamplingFieldsAreLeftOutAndNoKeyMeansNoAuthorization() {
        OpenAiClient anonymous = new OpenAiClient(new OpenAiEndpoint(server.baseUrl(), "", Duration.ofSeconds(2), 0, 1));
        assertThat(anonymous.chat(ask("hi")).content()).isEqualTo("Hello, world");
        JsonNode b = server.requests.get(0).body();
        assertThat(b.has("temperature") || b.has("max_tokens") || b.has("top_p") || b.has("top_k") || b.has("stop")
                || b.has("seed") || b.has("response_format")).isFalse();
        assertThat(server.requests.get(0).header("authorization")).isNull();
    }

    @Test
    void streamedChatHandsOverEveryDeltaInOrderAndKeepsUsageAndFinishReason() {
        server.behaviour = r -> Reply.chatStream(List.of("The ", "capital ", "is ", "Paris", "."), "stop", new int[] {9, 5})
                .spaced(20);
        List<String> deltas = new ArrayList<>();
        ChatCompletion c = client().streamChat(ask("Capital of France?"), deltas::add);

        assertThat(deltas).containsExactly("The ", "capital ", "is ", "Paris", ".");
        assertThat(c.content()).isEqualTo(String.join("", deltas));
        assertThat(c.finishReason()).isEqualTo("stop");
        assertThat(c.usage()).isEqualTo(new Usage(9, 5, 14));
        JsonNode b = server.requests.get(0).body();
        assertThat(b.path("stream").asBoolean()).isTrue();
        assertThat(b.path("stream_options").path("include_usage").asBoolean()).isTrue();
    }

    @Test
    void serverSentEventsAreParsedAsTheSpecSaysNotAsOneServerWritesThem() {
        // CRLF line ends, a keep-alive comment, "data:" without a space, an event field, a data field split
        // over two lines, no usage, and no [DONE] (the finish_reason says the answer is complete).
        String body = ": keep-alive\r\n\r\n"
                + "event: message\r\ndata:{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\r\n\r\n"
                + "data: {\"choices\":[{\"index\":0,\r\ndata: \"delta\":{\"content\":\"b\\nc\"}}]}\r\n\r\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n";
        server.behaviour = r -> Reply.raw(200, "text/event-stream; charset=utf-8", body);
        List<String> deltas = new ArrayList<>();
        ChatCompletion c = client().streamChat(ask("x"), deltas::add);
        assertThat(deltas).containsExactly("a", "b\nc");
        assertThat(c.content()).isEqualTo("ab\nc");
        assertThat(c.finishReason()).isEqualTo("stop");
        assertThat(c.usage()).isNull();
    }

    @Test
    void anEndpointThatIgnoresStreamTrueStillGivesTheTextOnce() {
        server.behaviour = r -> Reply.chat("whole answer", "stop", new int[] {3, 2});
        List<String> deltas = new ArrayList<>();
        ChatCompletion c = client().streamChat(ask("x"), deltas::add);
        assertThat(deltas).containsExactly("whole answer");
        assertThat(c.usage().promptTokens()).isEqualTo(3);
    }

    @Test
    void rawCompletionsStreamedAndNotWithEchoedLogProbs() {
        List<String> pieces = new ArrayList<>();
        TextCompletion streamed = client().streamComplete(CompletionRequest.of("base", "Once upon", null), pieces::add);
        assertThat(pieces).containsExactly("Hello", ", world");
        assertThat(streamed.text()).isEqualTo("Hello, world");
        assertThat(streamed.usage()).isEqualTo(new Usage(5, 2, 7));
        assertThat(server.requests.get(0).path()).isEqualTo("/v1/completions");
        assertThat(server.requests.get(0).body().path("prompt").asText()).isEqualTo("Once upon");

        server.behaviour = r -> Reply.json(200, "{\"choices\":[{\"text\":\"Hi there!\",\"finish_reason\":\"length\","
                + "\"logprobs\":{\"tokens\":[\"Hi\",\" there\",\"!\"],\"token_logprobs\":[null,-1.5,-0.25],"
                + "\"text_offset\":[0,2,8]}}],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1}}");
        TextCompletion echoed = client().complete(new CompletionRequest("base", "Hi there", new Sampling(0.0, 1, null,
                null, List.of(), null), true, 1));
        JsonNode b = server.requests.get(1).body();
        assertThat(b.path("echo").asBoolean()).isTrue();
        assertThat(b.path("logprobs").asInt()).isEqualTo(1);
        assertThat(b.path("max_tokens").asInt()).isEqualTo(1);
        assertThat(echoed.finishedByLength()).isTrue();
        assertThat(echoed.logProbs().tokens()).containsExactly("Hi", " there", "!");
        assertThat(echoed.logProbs().logProbs()).containsExactly(null, -1.5, -0.25);
        assertThat(echoed.logProbs().textOffsets()).containsExactly(0, 2, 8);

        // Without text_offset the tokens are taken to spell the text in order.
        server.behaviour = r -> Reply.json(200, "{\"choices\":[{\"text\":\"Hi there\",\"logprobs\":{\"tokens\":[\"Hi\","
                + "\" there\"],\"token_logprobs\":[null,-2.0]}}]}");
        assertThat(client().complete(new CompletionRequest("base", "Hi there", null, true, 1)).logProbs().textOffsets())
                .containsExactly(0, 2);
    }

    @Test
    void listsModelsWithContextLengthWhenTheEndpointSaysIt() {
        server.behaviour = r -> Reply.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"llama-3-8b\",\"owned_by\":\"vllm\","
                + "\"max_model_len\":8192},{\"id\":\"qwen:0.5b\"}]}");
        assertThat(client().listModels()).containsExactly(new ModelInfo("llama-3-8b", "vllm", 8192),
                new ModelInfo("qwen:0.5b", "", 0));
        assertThat(server.requests.get(0).method()).isEqualTo("GET");
        assertThat(server.requests.get(0).path()).isEqualTo("/v1/models");

        server.behaviour = r -> Reply.json(200, "{\"data\":[{\"object\":\"model\"}]}");
        assertThatThrownBy(() -> client().listModels()).isInstanceOf(OpenAiException.class).hasMessageContaining("without an id");
    }

    @Test
    void serverErrorsAndRateLimitsAreRetriedThenSucceed() {
        AtomicInteger calls = new AtomicInteger();
        server.behaviour = r -> switch (calls.incrementAndGet()) {
            case 1 -> Reply.json(503, "{\"error\":\"overloaded\"}");
            case 2 -> Reply.json(429, "{\"error\":\"slow down\"}");
            default -> Reply.text("finally");
        };
        assertThat(client().chat(ask("x")).content()).isEqualTo("finally");
        assertThat(calls).hasValue(3);
    }

    @Test
    void persistentServerErrorsFailAfterExactlyMaxRetries() {
        server.behaviour = r -> Reply.json(500, "boom");
        long started = System.nanoTime();
        OpenAiException e = catchThrowableOfType(() -> client(2, 2, 4).chat(ask("x")), OpenAiException.class);
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(e.getMessage()).startsWith("POST " + server.baseUrl() + "/chat/completions: HTTP 500: boom")
                .endsWith("(after 2 retries)");
        assertThat(e.status()).isEqualTo(500);
        assertThat(e.retryable()).isFalse();
        assertThat(server.requests).hasSize(3);
        // Exponential backoff: 200 ms then 400 ms, each within ±25 % jitter.
        assertThat(elapsedMillis).isGreaterThanOrEqualTo(450);
    }

    @Test
    void clientErrorsAreNeverRetried() {
        for (int status : new int[] {400, 401, 403, 404, 422}) {
            server.requests.clear();
            server.behaviour = r -> Reply.json(status, "{\"error\":{\"message\":\"status " + status + "\"}}");
            OpenAiException e = catchThrowableOfType(() -> client(2, 3, 4).chat(ask("x")), OpenAiException.class);
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.getMessage()).contains("HTTP " + status).contains("status " + status).doesNotContain("after");
            assertThat(server.requests).as("HTTP %d", status).hasSize(1);
        }
    }

    @Test
    void aSlowResponseTimesOutAndIsRetried() {
        server.behaviour = r -> Reply.text("late").delayed(1500);
        OpenAiException e = catchThrowableOfType(() -> client(0.3, 1, 4).chat(ask("x")), OpenAiException.class);
        assertThat(e.getMessage()).contains("timed out").endsWith("(after 1 retries)");
        assertThat(e.status()).isZero();
        assertThat(server.requests).hasSize(2);
    }

    @Test
    void aStreamIsTimedOutOnSilenceNotOnItsTotalLength() {
        // 6 chunks 150 ms apart: ~0.9 s in all, longer than the 0.5 s timeout, but never silent that long.
        server.behaviour = r -> Reply.chatStream(List.of("a", "b", "c"), "stop", null).spaced(150);
        assertThat(client(0.5, 0, 4).streamChat(ask("x"), d -> {}).content()).isEqualTo("abc");

        // Silent before any text: retried; the second attempt answers.
        AtomicInteger calls = new AtomicInteger();
        server.behaviour = r -> calls.incrementAndGet() == 1
                ? new Reply(200, "text/event-stream", List.of("", "data: [DONE]\n\n"), 0, 1500)
                : Reply.chatStream(List.of("ok"), "stop", null);
        assertThat(client(0.3, 1, 4).streamChat(ask("x"), d -> {}).content()).isEqualTo("ok");
        assertThat(calls).hasValue(2);
    }

    @Test
    void aStreamThatBreaksAfterTextWasHandedOverIsNotRetried() {
        List<String> events = Reply.chatStream(List.of("partial", " answer"), "stop", null).parts();
        // The role chunk and the first text arrive together; then the server goes silent.
        List<String> parts = new ArrayList<>(events.subList(1, events.size()));
        parts.set(0, events.get(0) + events.get(1));
        server.behaviour = r -> new Reply(200, "text/event-stream", parts, 0, 1500);
        List<String> deltas = new CopyOnWriteArrayList<>();
        OpenAiException e = catchThrowableOfType(() -> client(0.3, 3, 4).streamChat(ask("x"), deltas::add),
                OpenAiException.class);
        assertThat(e.getMessage()).contains("stalled").contains("not retried");
        assertThat(e.retryable()).isFalse();
        assertThat(deltas).containsExactly("partial");
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void garbageAnswersAreErrorsThatNameWhatCameBackAndAreNotRetried() {
        server.behaviour = r -> Reply.raw(200, "text/html", "<html>not json</html>");
        assertThatThrownBy(() -> client().chat(ask("x"))).isInstanceOf(OpenAiException.class)
                .hasMessageContaining("not a JSON object").hasMessageContaining("<html>not json</html>");
        server.behaviour = r -> Reply.json(200, "{\"id\":1}");
        assertThatThrownBy(() -> client().chat(ask("x"))).hasMessageContaining("no choices[0].message.content");
        server.behaviour = r -> Reply.json(200, "{\"choices\":[{\"message\":{\"content\":null}}]}");
        assertThatThrownBy(() -> client().chat(ask("x"))).hasMessageContaining("no choices[0].message.content");
        server.behaviour = r -> Reply.raw(200, "text/event-stream", "data: {\"choices\":[{\"delta\":\n\n");
        assertThatThrownBy(() -> client().streamChat(ask("x"), d -> {})).hasMessageContaining("stream event is not a JSON object");
        server.behaviour = r -> Reply.raw(200, "text/event-stream", "data: {\"object\":\"chunk\"}\n\ndata: [DONE]\n\n");
        assertThatThrownBy(() -> client().streamChat(ask("x"), d -> {})).hasMessageContaining("no choices");
        server.behaviour = r -> Reply.raw(200, "text/event-stream",
                "data: {\"error\":{\"message\":\"model crashed\"}}\n\n");
        assertThatThrownBy(() -> client().streamChat(ask("x"), d -> {})).hasMessageContaining("model crashed");
        assertThat(server.requests).as("none of these is retried").hasSize(6);
    }

    @Test
    void aStreamCutShortBeforeAnyTextIsRetried() {
        AtomicInteger calls = new AtomicInteger();
        server.behaviour = r -> calls.incrementAndGet() == 1
                ? Reply.raw(200, "text/event-stream", "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n")
                : Reply.chatStream(List.of("complete"), "stop", null);
        assertThat(client().streamChat(ask("x"), d -> {}).content()).isEqualTo("complete");
        assertThat(calls).hasValue(2);
    }

    @Test
    void anUnreachableEndpointFailsAfterRetriesWithAClearMessage() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        OpenAiClient unreachable = new OpenAiClient(new OpenAiEndpoint("http://127.0.0.1:" + closedPort + "/v1", "",
                Duration.ofSeconds(1), 2, 1));
        OpenAiException e = catchThrowableOfType(() -> unreachable.chat(ask("x")), OpenAiException.class);
        assertThat(e.getMessage()).startsWith("POST http://127.0.0.1:" + closedPort + "/v1/chat/completions: cannot connect")
                .endsWith("(after 2 retries)");
        assertThat(e.status()).isZero();
    }

    @Test
    void concurrencyIsBoundedPerClient() throws Exception {
        server.behaviour = r -> Reply.text(FakeOpenAiServer.userMessage(r)).delayed(100);
        OpenAiClient bounded = client(5, 0, 3);
        ExecutorService callers = Executors.newFixedThreadPool(12);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String text = "q" + i;
                answers.add(callers.submit(() -> bounded.chat(ask(text)).content()));
            }
            for (int i = 0; i < 12; i++) {
                assertThat(answers.get(i).get()).isEqualTo("q" + i);
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(server.maxInFlight.get()).isEqualTo(3);
    }

    @Test
    void sharedClientsAreOnePerConfigurationAndNeverPrintTheKey() {
        OpenAiEndpoint a = new OpenAiEndpoint(server.baseUrl(), "sk-secret", Duration.ofSeconds(1), 1, 2);
        OpenAiEndpoint sameAsA = new OpenAiEndpoint(server.baseUrl() + "/", "sk-secret", Duration.ofSeconds(1), 1, 2);
        OpenAiEndpoint other = new OpenAiEndpoint(server.baseUrl(), "sk-secret", Duration.ofSeconds(1), 1, 3);
        assertThat(OpenAiClient.shared(a)).isSameAs(OpenAiClient.shared(sameAsA)).isNotSameAs(OpenAiClient.shared(other));
        assertThat(a.toString()).doesNotContain("sk-secret").contains(server.baseUrl());

        assertThatThrownBy(() -> new OpenAiEndpoint("127.0.0.1:8000/v1", "", Duration.ofSeconds(1), 1, 1))
                .hasMessageContaining("http://");
        assertThatThrownBy(() -> new OpenAiEndpoint("http://x/v1", "", Duration.ZERO, 1, 1)).hasMessageContaining("timeout");
        assertThatThrownBy(() -> new OpenAiEndpoint("http://x/v1", "", Duration.ofSeconds(1), -1, 1))
                .hasMessageContaining("retries");
        assertThatThrownBy(() -> new OpenAiEndpoint("http://x/v1", "", Duration.ofSeconds(1), 1, 0))
                .hasMessageContaining("concurrency");
    }

    @Test
    void theCacheKeyBodyIsStableAndHasNoStreamFlag() {
        ChatRequest r = new ChatRequest("m", List.of(new ChatMessage("user", "hi")),
                new Sampling(0.0, 16, null, null, List.of(), 7L), null);
        assertThat(OpenAiClient.chatRequestBody(r)).isEqualTo(OpenAiClient.chatRequestBody(
                new ChatRequest("m", List.of(new ChatMessage("user", "hi")), new Sampling(0.0, 16, null, null, null, 7L), null)))
                .isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.0,"
                        + "\"max_tokens\":16,\"seed\":7}");
    }
}
