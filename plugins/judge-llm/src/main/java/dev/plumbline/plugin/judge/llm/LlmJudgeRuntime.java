package dev.plumbline.plugin.judge.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.plumbline.openai.ChatMessage;
import dev.plumbline.openai.ChatRequest;
import dev.plumbline.openai.OpenAiClient;
import dev.plumbline.openai.Sampling;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * What the LLM judges share: a cache of judge answers and a thread pool for fanning out a batch.
 * The HTTP client is the library's shared one per endpoint configuration, so its concurrency
 * bound holds across calls (and across anything else in the process using the same endpoint).
 */
final class LlmJudgeRuntime {

    static final LlmJudgeRuntime SHARED = new LlmJudgeRuntime();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Cache<String, String> answers = Caffeine.newBuilder().maximumSize(100_000).build();
    private final ExecutorService pool = Executors.newCachedThreadPool(daemonThreads());

    /** The judge's text for one call, from the cache when allowed. Throws {@link dev.plumbline.openai.OpenAiException}. */
    String complete(LlmJudgeSettings s, ChatRequest call) {
        OpenAiClient client = OpenAiClient.shared(s.endpoint());
        if (!s.cache()) {
            return client.chat(call).content();
        }
        // The request body holds model, messages (hence template, texts and order) and settings.
        String key = JudgePrompts.sha256(s.baseUrl() + "\n" + OpenAiClient.chatRequestBody(call));
        String cached = answers.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        String text = client.chat(call).content();
        answers.put(key, text);
        return text;
    }

    /** A judge request: system and user message with the judge's sampling settings. */
    static ChatRequest request(LlmJudgeSettings s, String system, String user, JsonNode responseFormat) {
        return new ChatRequest(s.model(), List.of(new ChatMessage("system", system), new ChatMessage("user", user)),
                new Sampling(s.temperature(), s.maxTokens(), null, null, List.of(), s.seed()), responseFormat);
    }

    /** Applies {@code work} to every item concurrently (the client bounds the requests in flight), in order. */
    <T, R> List<R> map(List<T> items, Function<T, R> work) {
        List<CompletableFuture<R>> futures = new ArrayList<>(items.size());
        for (T item : items) {
            futures.add(CompletableFuture.supplyAsync(() -> work.apply(item), pool));
        }
        List<R> out = new ArrayList<>(items.size());
        for (CompletableFuture<R> f : futures) {
            out.add(f.join());
        }
        return out;
    }

    static JsonNode jsonSchemaFormat(String name, String schema) {
        try {
            return JSON.readTree("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"" + name
                    + "\",\"strict\":true,\"schema\":" + schema + "}}");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "plumbline-llm-judge-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
