package dev.plumbline.plugin.judge.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * A minimal OpenAI-compatible {@code /chat/completions} client (vLLM, Ollama, OpenAI, Plumbline's
 * own {@code /v1}): timeouts, retries with exponential backoff and jitter on timeouts, connection
 * errors, 429 and 5xx, and at most {@code maxConcurrency} calls in flight.
 */
final class OpenAiChatClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChatEndpoint endpoint;
    private final HttpClient http;
    private final Semaphore permits;
    private final FailsafeExecutor<String> retries;

    OpenAiChatClient(ChatEndpoint endpoint) {
        this.endpoint = endpoint;
        this.http = HttpClient.newBuilder().connectTimeout(endpoint.timeout()).version(HttpClient.Version.HTTP_1_1).build();
        this.permits = new Semaphore(endpoint.maxConcurrency(), true);
        RetryPolicy<String> policy = RetryPolicy.<String>builder()
                .handleIf(e -> e instanceof ChatCallException c ? c.retryable() : e instanceof IOException)
                .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(10))
                .withJitter(0.25)
                .withMaxRetries(endpoint.maxRetries())
                .build();
        this.retries = Failsafe.with(policy);
    }

    /** The assistant message content of the first choice. */
    String complete(ChatCall call) {
        String body = requestBody(call);
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatCallException("interrupted", false);
        }
        try {
            return retries.get(() -> send(body));
        } catch (FailsafeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ChatCallException(describe(cause) + " (after " + endpoint.maxRetries() + " retries)", false);
        } catch (ChatCallException e) {
            throw new ChatCallException(e.getMessage() + (e.retryable()
                    ? " (after " + endpoint.maxRetries() + " retries)" : ""), false);
        } finally {
            permits.release();
        }
    }

    private String send(String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint.baseUrl() + "/chat/completions"))
                .timeout(endpoint.timeout())
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (!endpoint.apiKey().isEmpty()) {
            request.header("authorization", "Bearer " + endpoint.apiKey());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new ChatCallException("timed out after " + endpoint.timeout().toMillis() + " ms", e);
        }
        int status = response.statusCode();
        if (status == 429 || status >= 500) {
            throw new ChatCallException("HTTP " + status + ": " + abbreviate(response.body()), true);
        }
        if (status != 200) {
            throw new ChatCallException("HTTP " + status + ": " + abbreviate(response.body()), false);
        }
        JsonNode content;
        try {
            content = JSON.readTree(response.body()).path("choices").path(0).path("message").path("content");
        } catch (IOException e) {
            throw new ChatCallException("endpoint answered with invalid JSON: " + abbreviate(response.body()), false);
        }
        if (!content.isTextual()) {
            throw new ChatCallException("endpoint answer has no choices[0].message.content: "
                    + abbreviate(response.body()), false);
        }
        return content.asText();
    }

    static String requestBody(ChatCall call) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", call.model());
        ArrayNode messages = root.putArray("messages");
        for (ChatCall.Message m : call.messages()) {
            messages.addObject().put("role", m.role()).put("content", m.content());
        }
        root.put("temperature", call.temperature());
        root.put("max_tokens", call.maxTokens());
        if (call.seed() != null) {
            root.put("seed", call.seed());
        }
        if (call.responseFormat() != null) {
            root.set("response_format", call.responseFormat());
        }
        return root.toString();
    }

    private static String describe(Throwable t) {
        if (t instanceof ChatCallException) {
            return t.getMessage();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static String abbreviate(String s) {
        s = s == null ? "" : s.replaceAll("\\s+", " ");
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
