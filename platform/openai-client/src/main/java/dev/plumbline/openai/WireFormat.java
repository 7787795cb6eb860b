package dev.plumbline.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** OpenAI's JSON: request bodies out, answers in. Parse failures name the request and quote the body. */
final class WireFormat {

    static final ObjectMapper JSON = new ObjectMapper();

    private WireFormat() {}

    static ObjectNode chatBody(ChatRequest r, boolean stream) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", r.model());
        ArrayNode messages = root.putArray("messages");
        for (ChatMessage m : r.messages()) {
            messages.addObject().put("role", m.role()).put("content", m.content());
        }
        sampling(root, r.sampling());
        if (r.responseFormat() != null) {
            root.set("response_format", r.responseFormat());
        }
        streaming(root, stream);
        return root;
    }

    static ObjectNode completionBody(CompletionRequest r, boolean stream) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", r.model());
        root.put("prompt", r.prompt());
        sampling(root, r.sampling());
        if (r.echo()) {
            root.put("echo", true);
        }
        if (r.logprobs() != null) {
            root.put("logprobs", r.logprobs());
        }
        streaming(root, stream);
        return root;
    }

    private static void sampling(ObjectNode root, Sampling s) {
        if (s.temperature() != null) {
            root.put("temperature", s.temperature());
        }
        if (s.maxTokens() != null) {
            root.put("max_tokens", s.maxTokens());
        }
        if (s.topP() != null) {
            root.put("top_p", s.topP());
        }
        if (s.topK() != null) {
            root.put("top_k", s.topK());
        }
        if (!s.stop().isEmpty()) {
            ArrayNode stop = root.putArray("stop");
            s.stop().forEach(stop::add);
        }
        if (s.seed() != null) {
            root.put("seed", s.seed());
        }
    }

    private static void streaming(ObjectNode root, boolean stream) {
        if (stream) {
            root.put("stream", true);
            // Without this, streamed answers carry no token counts (OpenAI, vLLM, Ollama honour it).
            root.putObject("stream_options").put("include_usage", true);
        }
    }

    static JsonNode parse(String target, String body, String what) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new IOException("not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new OpenAiException(target + ": " + what + " is not a JSON object: " + abbreviate(body), 200, false);
        }
    }

    static ChatCompletion chatCompletion(String target, String body) {
        JsonNode root = parse(target, body, "answer");
        JsonNode choice = root.path("choices").path(0);
        JsonNode content = choice.path("message").path("content");
        if (!content.isTextual()) {
            throw new OpenAiException(target + ": answer has no choices[0].message.content: " + abbreviate(body), 200,
                    false);
        }
        return new ChatCompletion(content.asText(), finishReason(choice), usage(root));
    }

    static TextCompletion textCompletion(String target, String body) {
        JsonNode root = parse(target, body, "answer");
        JsonNode choice = root.path("choices").path(0);
        if (!choice.path("text").isTextual()) {
            throw new OpenAiException(target + ": answer has no choices[0].text: " + abbreviate(body), 200, false);
        }
        String text = choice.path("text").asText();
        return new TextCompletion(text, finishReason(choice), usage(root), logProbs(target, choice.path("logprobs")));
    }

    static List<ModelInfo> models(String target, String body) {
        JsonNode data = parse(target, body, "model list").path("data");
        if (!data.isArray()) {
            throw new OpenAiException(target + ": model list has no data array: " + abbreviate(body), 200, false);
        }
        List<ModelInfo> out = new ArrayList<>();
        for (JsonNode m : data) {
            if (!m.path("id").isTextual() || m.path("id").asText().isBlank()) {
                throw new OpenAiException(target + ": model list entry without an id: " + abbreviate(m.toString()), 200,
                        false);
            }
            long context = m.path("max_model_len").asLong(m.path("context_length").asLong(0));
            out.add(new ModelInfo(m.path("id").asText(), m.path("owned_by").asText(""), Math.max(0, context)));
        }
        return out;
    }

    static String finishReason(JsonNode choice) {
        JsonNode f = choice.path("finish_reason");
        return f.isTextual() ? f.asText() : null;
    }

    static Usage usage(JsonNode root) {
        JsonNode u = root.path("usage");
        if (!u.isObject() || !u.path("prompt_tokens").canConvertToInt()) {
            return null;
        }
        int prompt = u.path("prompt_tokens").asInt();
        int completion = u.path("completion_tokens").asInt(0);
        return new Usage(prompt, completion, u.path("total_tokens").asInt(prompt + completion));
    }

    /** {@code choices[0].logprobs} in the legacy completions shape; null when absent. */
    private static TokenLogProbs logProbs(String target, JsonNode lp) {
        if (!lp.isObject()) {
            return null;
        }
        JsonNode tokens = lp.path("tokens");
        JsonNode values = lp.path("token_logprobs");
        if (!tokens.isArray() || !values.isArray() || tokens.size() != values.size()) {
            throw new OpenAiException(target + ": logprobs without matching tokens and token_logprobs arrays", 200, false);
        }
        JsonNode offsets = lp.path("text_offset");
        List<String> tokenTexts = new ArrayList<>();
        List<Double> logProbs = new ArrayList<>();
        List<Integer> textOffsets = new ArrayList<>();
        int position = 0;
        for (int i = 0; i < tokens.size(); i++) {
            tokenTexts.add(tokens.get(i).asText());
            logProbs.add(values.get(i).isNumber() ? values.get(i).asDouble() : null);
            // Endpoints without text_offset: the tokens spell the text in order.
            textOffsets.add(offsets.isArray() && offsets.size() == tokens.size() ? offsets.get(i).asInt() : position);
            position += tokens.get(i).asText().codePointCount(0, tokens.get(i).asText().length());
        }
        return new TokenLogProbs(tokenTexts, logProbs, textOffsets);
    }

    static String abbreviate(String s) {
        s = s == null ? "" : s.replaceAll("\\s+", " ").strip();
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
