package dev.plumbline.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An OpenAI-compatible API client: {@code /chat/completions} and {@code /completions} (streaming
 * and not) and {@code /models}. Every request gets timeouts, retries with exponential backoff and
 * jitter on connection errors, timeouts, 429 and 5xx (never on other 4xx or on garbage answers),
 * and at most {@link OpenAiEndpoint#maxConcurrency()} requests in flight. Thread-safe.
 *
 * <p>A stream that broke after text was handed to the caller is not retried: the caller would see
 * the text twice.
 */
public final class OpenAiClient {

    private static final Map<OpenAiEndpoint, OpenAiClient> SHARED = new ConcurrentHashMap<>();
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final OpenAiEndpoint endpoint;
    private final HttpClient http;
    private final Semaphore permits;
    private final FailsafeExecutor<Object> retries;

    public OpenAiClient(OpenAiEndpoint endpoint) {
        this.endpoint = endpoint;
        // HTTP/1.1: the JDK's h2c upgrade attempt on plain http:// trips up some inference servers.
        this.http = HttpClient.newBuilder().connectTimeout(endpoint.timeout()).version(HttpClient.Version.HTTP_1_1).build();
        this.permits = new Semaphore(endpoint.maxConcurrency(), true);
        this.retries = Failsafe.with(RetryPolicy.builder()
                .handleIf(e -> e instanceof OpenAiException o && o.retryable())
                .withBackoff(FIRST_BACKOFF, MAX_BACKOFF)
                .withJitter(0.25)
                .withMaxRetries(endpoint.maxRetries())
                .build());
    }

    /**
     * The client of this exact endpoint configuration, created once per class loader, so the
     * concurrency bound holds across every caller (judges, models) that uses the same configuration.
     */
    public static OpenAiClient shared(OpenAiEndpoint endpoint) {
        return SHARED.computeIfAbsent(endpoint, OpenAiClient::new);
    }

    public OpenAiEndpoint endpoint() {
        return endpoint;
    }

    /** The JSON body of a non-streaming chat request; equal requests give equal bodies (usable as a cache key). */
    public static String chatRequestBody(ChatRequest request) {
        return WireFormat.chatBody(request, false).toString();
    }

    /** {@code POST /chat/completions}, not streamed. */
    public ChatCompletion chat(ChatRequest request) {
        return post("/chat/completions", WireFormat.chatBody(request, false).toString(),
                (target, lines) -> WireFormat.chatCompletion(target, lines.rest()));
    }

    /**
     * {@code POST /chat/completions} with {@code stream: true}; {@code onDelta} gets each piece of
     * text as it arrives, on the calling thread. An endpoint that answers with plain JSON instead
     * of events is accepted: {@code onDelta} then gets the whole text once.
     */
    public ChatCompletion streamChat(ChatRequest request, Consumer<String> onDelta) {
        return post("/chat/completions", WireFormat.chatBody(request, true).toString(), (target, lines) -> {
            if (!lines.isEventStream()) {
                ChatCompletion c = WireFormat.chatCompletion(target, lines.rest());
                deliver(onDelta, c.content());
                return c;
            }
            StreamedText s = readStream(target, lines, choice -> choice.path("delta").path("content"), onDelta);
            return new ChatCompletion(s.text(), s.finishReason(), s.usage());
        });
    }

    /** {@code POST /completions}, not streamed (the only way to get echoed prompt log-probs). */
    public TextCompletion complete(CompletionRequest request) {
        return post("/completions", WireFormat.completionBody(request, false).toString(),
                (target, lines) -> WireFormat.textCompletion(target, lines.rest()));
    }

    /** {@code POST /completions} with {@code stream: true}; see {@link #streamChat}. No log-probs. */
    public TextCompletion streamComplete(CompletionRequest request, Consumer<String> onDelta) {
        return post("/completions", WireFormat.completionBody(request, true).toString(), (target, lines) -> {
            if (!lines.isEventStream()) {
                TextCompletion c = WireFormat.textCompletion(target, lines.rest());
                deliver(onDelta, c.text());
                return c;
            }
            StreamedText s = readStream(target, lines, choice -> choice.path("text"), onDelta);
            return new TextCompletion(s.text(), s.finishReason(), s.usage(), null);
        });
    }

    /** {@code GET /models}. */
    public List<ModelInfo> listModels() {
        return send(request("/models").GET().build(), (target, lines) -> WireFormat.models(target, lines.rest()));
    }

    private interface AnswerReader<T> {
        T read(String target, Answer lines) throws InterruptedException;
    }

    /** A 2xx answer being read. */
    private record Answer(ResponseLines lines, String contentType) {

        boolean isEventStream() {
            return contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
        }

        String rest() throws InterruptedException {
            return lines.rest();
        }

        String nextLine() throws InterruptedException {
            return lines.nextLine();
        }

        /** Reads what follows {@code [DONE]} (normally nothing) so the connection can be reused. */
        void drainQuietly() throws InterruptedException {
            try {
                lines.rest();
            } catch (OpenAiException e) {
                // A server that keeps the body open after [DONE]: attempt() drops the connection.
            }
        }
    }

    private record StreamedText(String text, String finishReason, Usage usage) {}

    private StreamedText readStream(String target, Answer lines, Function<JsonNode, JsonNode> deltaOf,
            Consumer<String> onDelta) throws InterruptedException {
        ServerSentEvents events = new ServerSentEvents();
        StreamState state = new StreamState(target, deltaOf, onDelta);
        try {
            boolean done = false;
            for (String line = lines.nextLine(); line != null; line = lines.nextLine()) {
                String data = events.accept(line);
                if (data != null && state.accept(data)) {
                    done = true;
                    break;
                }
            }
            String unterminated = events.finish();
            if (!done && unterminated != null) {
                done = state.accept(unterminated);
            }
            if (done) {
                lines.drainQuietly();
            }
            // Some servers end the body without [DONE]; a finish_reason still says the answer is complete.
            if (!done && state.finishReason == null) {
                throw new OpenAiException(target + ": the stream ended before [DONE] or a finish_reason", 200, true);
            }
            if (!state.sawChoice) {
                throw new OpenAiException(target + ": the stream had no choices", 200, false);
            }
        } catch (OpenAiException e) {
            if (!state.text.isEmpty()) {
                throw e.notRetryable("(after streaming " + state.text.length() + " characters, so not retried)");
            }
            throw e;
        }
        return new StreamedText(state.text.toString(), state.finishReason, state.usage);
    }

    /** What the events of one stream added up to so far. */
    private static final class StreamState {
        final String target;
        final Function<JsonNode, JsonNode> deltaOf;
        final Consumer<String> onDelta;
        final StringBuilder text = new StringBuilder();
        String finishReason;
        Usage usage;
        boolean sawChoice;

        StreamState(String target, Function<JsonNode, JsonNode> deltaOf, Consumer<String> onDelta) {
            this.target = target;
            this.deltaOf = deltaOf;
            this.onDelta = onDelta;
        }

        /** Takes one event's data; true for the closing {@code [DONE]}. */
        boolean accept(String data) {
            if (data.equals("[DONE]")) {
                return true;
            }
            JsonNode chunk = WireFormat.parse(target, data, "stream event");
            if (chunk.has("error")) {
                throw new OpenAiException(target + ": the endpoint reported an error in the stream: "
                        + WireFormat.abbreviate(chunk.path("error").toString()), 200, false);
            }
            Usage u = WireFormat.usage(chunk);
            usage = u == null ? usage : u;
            JsonNode choice = chunk.path("choices").path(0);
            if (!choice.isObject()) {
                return false; // the usage-only chunk of stream_options.include_usage
            }
            sawChoice = true;
            JsonNode delta = deltaOf.apply(choice);
            if (delta.isTextual() && !delta.asText().isEmpty()) {
                text.append(delta.asText());
                deliver(onDelta, delta.asText());
            }
            String f = WireFormat.finishReason(choice);
            finishReason = f == null ? finishReason : f;
            return false;
        }
    }

    private static void deliver(Consumer<String> onDelta, String text) {
        if (onDelta != null && !text.isEmpty()) {
            onDelta.accept(text);
        }
    }

    private <T> T post(String path, String body, AnswerReader<T> reader) {
        return send(request(path).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(), reader);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint.baseUrl() + path))
                .timeout(endpoint.timeout())
                .header("accept", "application/json, text/event-stream");
        if (!endpoint.apiKey().isEmpty()) {
            b.header("authorization", "Bearer " + endpoint.apiKey());
        }
        return b;
    }

    private <T> T send(HttpRequest request, AnswerReader<T> reader) {
        String target = request.method() + " " + request.uri();
        try {
            return retries.get(() -> attempt(request, target, reader));
        } catch (OpenAiException e) {
            throw e.retryable() ? e.finalAfter(endpoint.maxRetries()) : e;
        } catch (FailsafeException e) {
            // Failsafe wraps what it cannot rethrow as is: an interrupt during a backoff sleep.
            if (e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new OpenAiException(target + ": " + (e.getCause() == null ? e : e.getCause()), 0, false, e);
        }
    }

    private <T> T attempt(HttpRequest request, String target, AnswerReader<T> reader) {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpenAiException(target + ": interrupted while waiting for a free request slot", 0, false, e);
        }
        ResponseLines lines = new ResponseLines(target, endpoint.timeout());
        CompletableFuture<HttpResponse<Void>> exchange = null;
        try {
            exchange = http.sendAsync(request, lines);
            exchange.whenComplete((response, error) -> {
                if (error != null) {
                    lines.fail(error);
                }
            });
            ResponseLines.Start start = lines.awaitStart();
            int status = start.status();
            if (status < 200 || status > 299) {
                throw new OpenAiException(target + ": HTTP " + status + ": " + WireFormat.abbreviate(errorBody(lines)),
                        status, status == 429 || status >= 500);
            }
            return reader.read(target, new Answer(lines, start.contentType()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpenAiException(target + ": interrupted", 0, false, e);
        } finally {
            // Cancelling an exchange whose body was read to the end can break the pooled connection for the next request.
            if (!lines.finished()) {
                lines.cancel();
                if (exchange != null) {
                    exchange.cancel(true);
                }
            }
            permits.release();
        }
    }

    /** The error answer's body, or what is known of it: it only decorates the message. */
    private static String errorBody(ResponseLines lines) throws InterruptedException {
        try {
            return lines.rest();
        } catch (OpenAiException e) {
            return "(body unreadable: " + e.getMessage() + ")";
        }
    }
}
