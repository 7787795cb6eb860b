package dev.plumbline.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP server on loopback that speaks the OpenAI wire format ({@code /v1/chat/completions}
 * and {@code /v1/completions}, streamed as server-sent events or not, and {@code /v1/models}) with a
 * scripted model behind it: no LLM runs in unit tests, but every byte goes through real HTTP.
 * Shared with the plugins' tests through this module's test-jar.
 */
public final class FakeOpenAiServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received; {@code body} is the parsed JSON body (NullNode for none or non-JSON). */
    public record Request(String method, String path, Map<String, String> headers, JsonNode body) {

        /** A header by case-insensitive name, or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public boolean streaming() {
            return body.path("stream").asBoolean(false);
        }
    }

    /**
     * One scripted answer: {@code parts} are written and flushed one after another, {@code partDelayMillis}
     * apart, after waiting {@code delayMillis} before the headers.
     */
    public record Reply(int status, String contentType, List<String> parts, long delayMillis, long partDelayMillis) {

        public Reply {
            parts = List.copyOf(parts);
        }

        public static Reply raw(int status, String contentType, String body) {
            return new Reply(status, contentType, List.of(body), 0, 0);
        }

        public static Reply json(int status, String body) {
            return raw(status, "application/json", body);
        }

        /** A chat completion with finish_reason {@code stop} and no usage. */
        public static Reply text(String content) {
            return chat(content, "stop", null);
        }

        /** A chat completion; {@code usage} is {prompt, completion} tokens, or null for none. */
        public static Reply chat(String content, String finishReason, int[] usage) {
            ObjectNode root = envelope("chat.completion");
            ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", content);
            choice.put("finish_reason", finishReason);
            usage(root, usage);
            return json(200, root.toString());
        }

        /**
         * A streamed chat completion as OpenAI sends it: a role chunk, one chunk per delta, a chunk
         * with the finish_reason, a usage-only chunk when {@code usage} is given, then {@code [DONE]}.
         */
        public static Reply chatStream(List<String> deltas, String finishReason, int[] usage) {
            List<String> events = new ArrayList<>();
            events.add(event(chatChunk(JSON.createObjectNode().put("role", "assistant").put("content", ""), null)));
            for (String d : deltas) {
                events.add(event(chatChunk(JSON.createObjectNode().put("content", d), null)));
            }
            events.add(event(chatChunk(JSON.createObjectNode(), finishReason)));
            if (usage != null) {
                ObjectNode last = envelope("chat.completion.chunk");
                last.putArray("choices");
                usage(last, usage);
                events.add(event(last));
            }
            events.add("data: [DONE]\n\n");
            return new Reply(200, "text/event-stream", events, 0, 0);
        }

        /** A raw completion; {@code logprobs} is the legacy logprobs object, or null. */
        public static Reply completion(String text, String finishReason, int[] usage, JsonNode logprobs) {
            ObjectNode root = envelope("text_completion");
            ObjectNode choice = root.putArray("choices").addObject().put("index", 0).put("text", text);
            if (logprobs != null) {
                choice.set("logprobs", logprobs);
            }
            choice.put("finish_reason", finishReason);
            usage(root, usage);
            return json(200, root.toString());
        }

        /** A streamed raw completion: one chunk per piece, the last with the finish_reason, then {@code [DONE]}. */
        public static Reply completionStream(List<String> pieces, String finishReason, int[] usage) {
            List<String> events = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                ObjectNode chunk = envelope("text_completion");
                ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0).put("text", pieces.get(i));
                if (i == pieces.size() - 1) {
                    choice.put("finish_reason", finishReason);
                    usage(chunk, usage);
                } else {
                    choice.putNull("finish_reason");
                }
                events.add(event(chunk));
            }
            events.add("data: [DONE]\n\n");
            return new Reply(200, "text/event-stream", events, 0, 0);
        }

        public static Reply models(String... ids) {
            ObjectNode root = JSON.createObjectNode().put("object", "list");
            ArrayNode data = root.putArray("data");
            for (String id : ids) {
                data.addObject().put("id", id).put("object", "model").put("created", 0).put("owned_by", "fake");
            }
            return json(200, root.toString());
        }

        /** The same reply after waiting {@code millis} before the headers. */
        public Reply delayed(long millis) {
            return new Reply(status, contentType, parts, millis, partDelayMillis);
        }

        /** The same reply with {@code millis} between its parts (streamed chunks). */
        public Reply spaced(long millis) {
            return new Reply(status, contentType, parts, delayMillis, millis);
        }

        public String body() {
            return String.join("", parts);
        }

        private static ObjectNode envelope(String object) {
            return JSON.createObjectNode().put("id", "fake-1").put("object", object).put("created", 0)
                    .put("model", "fake-model");
        }

        private static ObjectNode chatChunk(ObjectNode delta, String finishReason) {
            ObjectNode chunk = envelope("chat.completion.chunk");
            ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
            choice.set("delta", delta);
            if (finishReason == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finishReason);
            }
            return chunk;
        }

        private static void usage(ObjectNode root, int[] usage) {
            if (usage != null) {
                root.putObject("usage").put("prompt_tokens", usage[0]).put("completion_tokens", usage[1])
                        .put("total_tokens", usage[0] + usage[1]);
            }
        }

        private static String event(JsonNode data) {
            return "data: " + data + "\n\n";
        }
    }

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    public final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger maxInFlight = new AtomicInteger();
    /** What to answer; by default a small model "fake-model" that says "Hello, world" (streamed in two pieces). */
    public volatile Function<Request, Reply> behaviour = FakeOpenAiServer::defaultReply;

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(24);

    public FakeOpenAiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The API root to configure clients with, e.g. {@code http://127.0.0.1:41234/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Requests to one path (e.g. {@code /v1/chat/completions}). */
    public List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** The content of the last message of a chat request. */
    public static String userMessage(Request request) {
        JsonNode messages = request.body().path("messages");
        return messages.path(messages.size() - 1).path("content").asText();
    }

    private static Reply defaultReply(Request r) {
        return switch (r.path()) {
            case "/v1/models" -> Reply.models("fake-model");
            case "/v1/chat/completions" -> r.streaming()
                    ? Reply.chatStream(List.of("Hello", ", world"), "stop", new int[] {5, 2})
                    : Reply.chat("Hello, world", "stop", new int[] {5, 2});
            case "/v1/completions" -> r.streaming()
                    ? Reply.completionStream(List.of("Hello", ", world"), "stop", new int[] {5, 2})
                    : Reply.completion("Hello, world", "stop", new int[] {5, 2}, null);
            default -> Reply.json(404, "{\"error\":{\"message\":\"no route " + r.path() + "\"}}");
        };
    }

    private void handle(HttpExchange exchange) {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            byte[] raw = exchange.getRequestBody().readAllBytes();
            JsonNode body;
            try {
                body = raw.length == 0 ? NullNode.getInstance() : JSON.readTree(raw);
            } catch (IOException e) {
                body = NullNode.getInstance();
            }
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), headers, body);
            requests.add(request);
            Reply reply = behaviour.apply(request);
            Thread.sleep(reply.delayMillis());
            exchange.getResponseHeaders().add("content-type", reply.contentType());
            boolean chunked = reply.parts().size() > 1 || reply.partDelayMillis() > 0;
            byte[] whole = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), chunked ? 0 : whole.length == 0 ? -1 : whole.length);
            OutputStream out = exchange.getResponseBody();
            if (!chunked) {
                out.write(whole);
            } else {
                for (int i = 0; i < reply.parts().size(); i++) {
                    if (i > 0) {
                        Thread.sleep(reply.partDelayMillis());
                    }
                    out.write(reply.parts().get(i).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // The client gave up (timeout and cancellation tests).
        } finally {
            inFlight.decrementAndGet();
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
