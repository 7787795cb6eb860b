package dev.plumbline.plugin.model.onnx;

import ai.onnxruntime.OrtException;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Autoregressive generation of one sequence. With the KV cache the prompt is run once (in chunks)
 * and each step feeds one token; without it each step reruns the whole sequence. Sampling runs on
 * the host from {@code SplittableRandom(seed)}, so a seed gives the same tokens with or without the
 * cache (the logits agree to float rounding) and run to run.
 */
final class TokenGenerator {

    private final DecoderGraph graph;
    private final TextTokenizer tokenizer;
    private final int context;

    TokenGenerator(DecoderGraph graph, TextTokenizer tokenizer, int context) {
        this.graph = graph;
        this.tokenizer = tokenizer;
        this.context = context;
    }

    /**
     * @param field what the prompt came from ({@code prompt} or {@code messages}), for errors
     * @param stopIds token ids that end the generation (EOS, end of turn); kept as the last id
     * @param onText receives the final text piece by piece, never a stop string or half a character
     * @throws InvalidInputException for bad settings or a prompt that leaves no room in the context
     */
    Generation generate(String field, long[] prompt, GenerationSettings settings, Set<Long> stopIds,
            Consumer<String> onText, boolean useKvCache) {
        TokenSampler sampler = new TokenSampler(settings);
        if (prompt.length == 0) {
            throw new InvalidInputException(field, "encodes to no tokens");
        }
        if (prompt.length >= context) {
            throw new InvalidInputException(field, "is " + prompt.length + " tokens; the model's context is " + context
                    + " tokens, which leaves no room to generate (prompts are not truncated)");
        }
        int budget = Math.min(settings.maxNewTokens(), context - prompt.length);
        SplittableRandom random = new SplittableRandom(settings.seed() != null ? settings.seed()
                : ThreadLocalRandom.current().nextLong());
        StopTextTracker tracker = new StopTextTracker(tokenizer, settings.stop());
        Consumer<String> sink = onText == null ? text -> {} : onText;
        List<Long> generated = new ArrayList<>();
        boolean byLength = false;
        try (DecoderGraph.Sequence sequence = graph.newSequence(useKvCache)) {
            float[] logits = sequence.append(prompt, null);
            while (true) {
                int token = sampler.sample(logits, random);
                generated.add((long) token);
                boolean stopString = tracker.update(ids(generated));
                boolean finished = stopString || stopIds.contains((long) token);
                if (!finished && generated.size() == budget) {
                    finished = true;
                    byLength = true;
                }
                String text = tracker.release(finished);
                if (!text.isEmpty()) {
                    sink.accept(text);
                }
                if (finished) {
                    break;
                }
                logits = sequence.append(new long[] {token}, null);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed while generating: " + e.getMessage(), e);
        }
        return new Generation(tracker.finalText(), generated, prompt.length, byLength);
    }

    private static long[] ids(List<Long> tokens) {
        long[] out = new long[tokens.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = tokens.get(i);
        }
        return out;
    }
}
