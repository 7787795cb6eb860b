package dev.plumbline.plugin.judge.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP server on loopback that speaks the OpenAI chat-completions wire format, with a
 * scripted judge behind it (no LLM can run in unit tests; the HTTP path is the real one).
 */
final class FakeChatServer implements AutoCloseable {

    record Reply(int status, String body, long delayMillis) {
        static Reply text(String content) {
            try {
                return new Reply(200, new ObjectMapper().createObjectNode().set("choices", new ObjectMapper()
                        .createArrayNode().add(new ObjectMapper().createObjectNode().set("message",
                                new ObjectMapper().createObjectNode().put("role", "assistant").put("content", content))))
                        .toString(), 0);
            } catch (RuntimeException e) {
                throw e;
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    volatile Function<JsonNode, Reply> behaviour = r -> Reply.text("Fine. Rating: [[5]]");
    private final HttpServer server;

    FakeChatServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/v1/chat/completions", exchange -> {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                JsonNode request = JSON.readTree(exchange.getRequestBody());
                requests.add(request);
                Reply reply = behaviour.apply(request);
                if (reply.delayMillis() > 0) {
                    Thread.sleep(reply.delayMillis());
                }
                byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("content-type", "application/json");
                exchange.sendResponseHeaders(reply.status(), body.length);
                exchange.getResponseBody().write(body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException ignored) {
                // client gave up (timeout test)
            } finally {
                inFlight.decrementAndGet();
                exchange.close();
            }
        });
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    static String userMessage(JsonNode request) {
        JsonNode messages = request.path("messages");
        return messages.path(messages.size() - 1).path("content").asText();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
