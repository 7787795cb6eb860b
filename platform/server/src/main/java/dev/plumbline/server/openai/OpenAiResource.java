package dev.plumbline.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.server.model.GenerationRequests;
import dev.plumbline.server.model.ModelCatalog;
import dev.plumbline.server.model.ModelNotFoundException;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * OpenAI-compatible endpoint for Plumbline's models ({@code /v1/models}, {@code /v1/chat/completions},
 * streaming and not), so any OpenAI client, the evaluation harness and the LLM judges can use them.
 */
@Path("/v1")
public class OpenAiResource {

    private final ModelCatalog catalog;
    private final ObjectMapper json;

    public OpenAiResource(ModelCatalog catalog, ObjectMapper json) {
        this.catalog = catalog;
        this.json = json;
    }

    @GET
    @Path("/models")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> models() {
        List<Map<String, Object>> data = catalog.list(null).stream()
                .map(d -> Map.<String, Object>of("id", d.id(), "object", "model", "created", 0, "owned_by", d.provider()))
                .toList();
        return Map.of("object", "list", "data", data);
    }

    /** One route for both modes: OpenAI clients choose streaming with {@code "stream": true}, not with Accept. */
    @POST
    @Path("/chat/completions")
    public Response chat(ChatCompletionRequest request) {
        Prepared p = prepare(request);
        if (Boolean.TRUE.equals(request.stream())) {
            StreamingOutput events = out -> {
                sse(out, chunk(p, json.createObjectNode().put("role", "assistant").put("content", ""), null).toString());
                Generation g = p.model.chat(p.messages, p.settings, delta -> {
                    if (!delta.isEmpty()) {
                        sse(out, chunk(p, json.createObjectNode().put("content", delta), null).toString());
                    }
                });
                sse(out, chunk(p, json.createObjectNode(), g.finishedByLength() ? "length" : "stop").toString());
                sse(out, "[DONE]");
            };
            return Response.ok(events, "text/event-stream").header("cache-control", "no-cache").build();
        }
        Generation g = p.model.chat(p.messages, p.settings, delta -> {});
        ObjectNode body = envelope(p, "chat.completion");
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", g.text());
        choice.put("finish_reason", g.finishedByLength() ? "length" : "stop");
        body.putObject("usage").put("prompt_tokens", g.promptTokens()).put("completion_tokens", g.tokenIds().size())
                .put("total_tokens", g.promptTokens() + g.tokenIds().size());
        return Response.ok(body, MediaType.APPLICATION_JSON).build();
    }

    private static void sse(OutputStream out, String data) {
        try {
            out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("client went away", e);
        }
    }

    private record Prepared(String id, String modelId, LanguageModel model, List<ChatTurn> messages,
            GenerationSettings settings, long created) {}

    private Prepared prepare(ChatCompletionRequest r) {
        if (r == null) {
            throw new InvalidInputException("body", "a JSON chat completion request is required");
        }
        if (r.n() != null && r.n() != 1) {
            throw new InvalidInputException("n", "only n=1 is supported");
        }
        LanguageModel model = catalog.get(r.model(), "model");
        List<ChatTurn> messages = new ArrayList<>();
        if (r.messages() != null) {
            for (int i = 0; i < r.messages().size(); i++) {
                ChatCompletionRequest.Message m = r.messages().get(i);
                messages.add(new ChatTurn(m.role(), text(m.content(), "messages[" + i + "].content")));
            }
        }
        GenerationRequests.messages(messages, "messages");
        Integer max = r.maxCompletionTokens() != null ? r.maxCompletionTokens() : r.maxTokens();
        GenerationSettings settings = GenerationRequests.settings(
                r.temperature() == null ? 1.0 : r.temperature(), max == null ? 0 : max,
                r.topK() == null ? 0 : r.topK(), r.topP() == null ? 1.0 : r.topP(), stops(r.stop()), r.seed(), "");
        return new Prepared("chatcmpl-" + UUID.randomUUID(), r.model(), model, messages, settings,
                System.currentTimeMillis() / 1000);
    }

    /** Content is a string or a list of {type: text, text} parts. */
    private static String text(JsonNode content, String field) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder b = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText())) {
                    throw new InvalidInputException(field, "only text content parts are supported");
                }
                b.append(part.path("text").asText());
            }
            return b.toString();
        }
        throw new InvalidInputException(field, "must be a string or a list of text parts");
    }

    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        List<String> out = new ArrayList<>();
        stop.forEach(s -> out.add(s.asText()));
        return out;
    }

    private ObjectNode envelope(Prepared p, String object) {
        ObjectNode body = json.createObjectNode();
        body.put("id", p.id).put("object", object).put("created", p.created).put("model", p.modelId);
        return body;
    }

    private ObjectNode chunk(Prepared p, ObjectNode delta, String finishReason) {
        ObjectNode body = envelope(p, "chat.completion.chunk");
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return body;
    }

    @ServerExceptionMapper
    public Response invalid(InvalidInputException e) {
        int status = e instanceof ModelNotFoundException ? 404 : 400;
        String message = e.getMessage();
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(OpenAiError.of(message, status == 404 ? "not_found_error" : "invalid_request_error",
                        e.field(), status == 404 ? "model_not_found" : null))
                .build();
    }
}
