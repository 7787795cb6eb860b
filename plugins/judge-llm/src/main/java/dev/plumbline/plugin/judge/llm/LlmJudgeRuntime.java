package dev.plumbline.plugin.judge.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * What the LLM judges share: one client per endpoint configuration (so concurrency limits hold
 * across calls), a cache of judge answers, and a thread pool for fanning out a batch.
 */
final class LlmJudgeRuntime {

    static final LlmJudgeRuntime SHARED = new LlmJudgeRuntime();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<ChatEndpoint, OpenAiChatClient> clients = new ConcurrentHashMap<>();
    private final Cache<String, String> answers = Caffeine.newBuilder().maximumSize(100_000).build();
    private final ExecutorService pool = Executors.newCachedThreadPool(daemonThreads());

    /** The judge's text for one call, from the cache when allowed. Throws {@link ChatCallException}. */
    String complete(LlmJudgeSettings s, ChatCall call) {
        OpenAiChatClient client = clients.computeIfAbsent(s.endpoint(), OpenAiChatClient::new);
        if (!s.cache()) {
            return client.complete(call);
        }
        // The request body holds model, messages (hence template, texts and order) and settings.
        String key = JudgePrompts.sha256(s.baseUrl() + "\n" + OpenAiChatClient.requestBody(call));
        String cached = answers.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        String text = client.complete(call);
        answers.put(key, text);
        return text;
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
