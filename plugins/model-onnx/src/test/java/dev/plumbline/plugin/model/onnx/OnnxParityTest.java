package dev.plumbline.plugin.model.onnx;

import static dev.plumbline.plugin.model.onnx.TinyOnnxModels.NO_PAST;
import static dev.plumbline.plugin.model.onnx.TinyOnnxModels.WITH_PAST;
import static dev.plumbline.plugin.model.onnx.TinyOnnxModels.floats;
import static dev.plumbline.plugin.model.onnx.TinyOnnxModels.longList;
import static dev.plumbline.plugin.model.onnx.TinyOnnxModels.longs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OrtException;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.ProviderContext;
import dev.plumbline.spi.SequenceLogProbs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime against the PyTorch model the export script built: logits, greedy tokens and
 * log-probs, with and without the KV cache, with a chunked prompt, and for the export without past
 * inputs.
 */
class OnnxParityTest {

    static final double LOGIT_TOLERANCE = 1e-4;

    static OnnxLanguageModel withPast;
    static OnnxLanguageModel noPast;
    static OnnxLanguageModel chunked;

    @BeforeAll
    static void open() {
        OnnxModelProvider provider = new OnnxModelProvider();
        ProviderContext context = new ProviderContext(TinyOnnxModels.root(), Map.of());
        withPast = (OnnxLanguageModel) provider.open(WITH_PAST, context);
        noPast = (OnnxLanguageModel) provider.open(NO_PAST, context);
        chunked = (OnnxLanguageModel) provider.open(WITH_PAST, new ProviderContext(TinyOnnxModels.root(),
                Map.of(ProviderSettings.PREFILL_CHUNK_TOKENS, "3")));
    }

    @AfterAll
    static void close() {
        for (OnnxLanguageModel m : new OnnxLanguageModel[] {withPast, noPast, chunked}) {
            if (m != null) {
                m.close();
            }
        }
    }

    static List<JsonObject> completeCases() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : TinyOnnxModels.reference().getAsJsonArray("complete")) {
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    /** Every position's logits of {@code ids}, fed in one append. */
    static float[] allLogits(OnnxLanguageModel model, long[] ids, boolean useKvCache) throws OrtException {
        List<float[]> rows = new ArrayList<>();
        try (DecoderGraph.Sequence sequence = model.model().graph().newSequence(useKvCache)) {
            sequence.append(ids, (position, logits, offset, vocab) -> {
                assertThat(position).isEqualTo(rows.size());
                rows.add(Arrays.copyOfRange(logits, offset, offset + vocab));
            });
        }
        int vocab = rows.get(0).length;
        float[] out = new float[rows.size() * vocab];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, out, i * vocab, vocab);
        }
        return out;
    }

    static double maxAbsDiff(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        return max;
    }

    @Test
    void graphsAreDetectedWithAndWithoutKvCache() {
        assertThat(withPast.model().graph().hasKvCache()).isTrue();
        assertThat(noPast.model().graph().hasKvCache()).isFalse();
        assertThat(withPast.descriptor().metadata()).containsEntry("kv_cache", "true")
                .containsEntry("chat_format", "plumbline").containsEntry("chat_format_source", "chat_template");
        assertThat(noPast.descriptor().metadata()).containsEntry("kv_cache", "false");
        assertThat(withPast.descriptor().contextLength()).isEqualTo(64);
    }

    @Test
    void tokenizerEncodesWhatTheReferenceComputed() {
        TextTokenizer tokenizer = withPast.model().tokenizer();
        for (JsonObject c : completeCases()) {
            assertThat(tokenizer.encode(c.get("text").getAsString(), true)).containsExactly(longs(c.getAsJsonArray(
                    "ids")));
        }
        JsonObject chat = TinyOnnxModels.reference().getAsJsonObject("chat");
        List<ChatTurn> messages = turns(chat);
        assertThat(tokenizer.encode(withPast.model().chat().format().renderForReply(messages), false))
                .containsExactly(longs(chat.getAsJsonArray("ids")));
    }

    @Test
    void logitsMatchPyTorchWithAndWithoutCacheChunkedAndWithoutPastInputs() throws OrtException {
        double worst = 0;
        for (JsonObject c : completeCases()) {
            long[] ids = longs(c.getAsJsonArray("ids"));
            float[] expected = floats(c.getAsJsonArray("logits"));
            for (OnnxLanguageModel model : List.of(withPast, chunked, noPast)) {
                for (boolean cache : new boolean[] {true, false}) {
                    double diff = maxAbsDiff(allLogits(model, ids, cache), expected);
                    assertThat(diff).as("%s cache=%s \"%s\"", model.model().dir().getFileName(), cache,
                            c.get("text").getAsString()).isLessThan(LOGIT_TOLERANCE);
                    worst = Math.max(worst, diff);
                }
            }
        }
        System.out.printf("max |ORT - PyTorch| logit difference: %.3g%n", worst);
    }

    @Test
    void decodingStepByStepWithTheCacheGivesTheSameLogitsAsOneRun() throws OrtException {
        JsonObject c = completeCases().get(1);
        long[] ids = longs(c.getAsJsonArray("ids"));
        float[] expected = floats(c.getAsJsonArray("logits"));
        int vocab = TinyOnnxModels.reference().get("vocab_size").getAsInt();
        try (DecoderGraph.Sequence sequence = withPast.model().graph().newSequence(true)) {
            sequence.append(Arrays.copyOf(ids, 5), null);
            for (int j = 5; j < ids.length; j++) {
                float[] last = sequence.append(new long[] {ids[j]}, null);
                assertThat(maxAbsDiff(last, Arrays.copyOfRange(expected, j * vocab, (j + 1) * vocab)))
                        .as("position %d", j).isLessThan(LOGIT_TOLERANCE);
            }
            assertThat(sequence.length()).isEqualTo(ids.length);
        }
    }

    @Test
    void greedyCompletionsEqualPyTorchTokenForToken() {
        for (JsonObject c : completeCases()) {
            List<Long> expected = longList(c.getAsJsonArray("greedy"));
            for (OnnxLanguageModel model : List.of(withPast, chunked, noPast)) {
                List<String> streamed = new ArrayList<>();
                Generation g = model.complete(c.get("text").getAsString(), GenerationSettings.greedy(12),
                        streamed::add);
                assertThat(g.tokenIds()).as("%s", model.descriptor().id()).isEqualTo(expected);
                assertThat(g.promptTokens()).isEqualTo(c.getAsJsonArray("ids").size());
                boolean endedByEos = expected.get(expected.size() - 1) == 258L;
                assertThat(g.finishedByLength()).isEqualTo(!endedByEos);
                assertThat(g.text()).isEqualTo(model.model().tokenizer().decode(longs(c.getAsJsonArray("greedy")),
                        true));
                assertThat(String.join("", streamed)).isEqualTo(g.text());
            }
        }
        // The export script taught the model to end the first prompt with EOS.
        assertThat(completeCases().get(0).getAsJsonArray("greedy").asList().stream().map(JsonElement::getAsLong)
                .toList()).endsWith(258L);
    }

    @Test
    void greedyChatEqualsPyTorchAndStopsAtTheEndOfTurnToken() {
        JsonObject chat = TinyOnnxModels.reference().getAsJsonObject("chat");
        List<Long> expected = longList(chat.getAsJsonArray("greedy"));
        assertThat(expected).endsWith(262L); // <|end|>
        for (OnnxLanguageModel model : List.of(withPast, noPast)) {
            Generation g = model.chat(turns(chat), GenerationSettings.greedy(12), null);
            assertThat(g.tokenIds()).isEqualTo(expected);
            assertThat(g.finishedByLength()).isFalse();
            assertThat(g.promptTokens()).isEqualTo(chat.getAsJsonArray("ids").size());
            assertThat(g.text()).doesNotContain("<|end|>");
        }
    }

    @Test
    void kvCacheGenerationEqualsFullRecomputationForGreedyAndSampling() {
        List<GenerationSettings> settings = List.of(GenerationSettings.greedy(40),
                new GenerationSettings(1.0, 40, 0, 1.0, List.of(), 7L),
                new GenerationSettings(1.3, 40, 50, 0.9, List.of(), 11L),
                new GenerationSettings(0.7, 40, 5, 1.0, List.of(), 12345L));
        for (JsonObject c : completeCases()) {
            String prompt = c.get("text").getAsString();
            for (GenerationSettings s : settings) {
                Generation cached = withPast.model().complete(prompt, s, null, true);
                Generation recomputed = withPast.model().complete(prompt, s, null, false);
                Generation withoutPastInputs = noPast.model().complete(prompt, s, null, true);
                assertThat(cached.tokenIds()).as("%s %s", prompt, s).isEqualTo(recomputed.tokenIds())
                        .isEqualTo(withoutPastInputs.tokenIds());
                assertThat(cached.text()).isEqualTo(recomputed.text());
            }
        }
    }

    @Test
    void seededSamplingIsReproducibleAndSeedsMatter() {
        String prompt = completeCases().get(1).get("text").getAsString();
        GenerationSettings seed1 = new GenerationSettings(1.5, 20, 0, 1.0, List.of(), 1L);
        Generation a = withPast.complete(prompt, seed1, null);
        Generation b = withPast.complete(prompt, seed1, null);
        assertThat(a.tokenIds()).hasSize(20).isEqualTo(b.tokenIds());
        List<List<Long>> others = new ArrayList<>();
        for (long seed = 2; seed <= 4; seed++) {
            others.add(withPast.complete(prompt, new GenerationSettings(1.5, 20, 0, 1.0, List.of(), seed), null)
                    .tokenIds());
        }
        assertThat(others).allSatisfy(o -> assertThat(o).isNotEqualTo(a.tokenIds()));
        Generation greedy = withPast.complete(prompt, GenerationSettings.greedy(20), null);
        assertThat(a.tokenIds()).isNotEqualTo(greedy.tokenIds());
    }

    @Test
    void logProbsEqualLogSoftmaxOfTheReferenceLogits() {
        JsonObject scored = TinyOnnxModels.reference().getAsJsonObject("scored");
        long[] prompt = longs(scored.getAsJsonArray("prompt_ids"));
        long[] completion = longs(scored.getAsJsonArray("completion_ids"));
        float[] logits = floats(scored.getAsJsonArray("logits"));
        int vocab = TinyOnnxModels.reference().get("vocab_size").getAsInt();
        double[] expected = new double[completion.length];
        for (int j = 0; j < completion.length; j++) {
            int offset = (prompt.length - 1 + j) * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[offset + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logits[offset + v] - max);
            }
            expected[j] = logits[offset + (int) completion[j]] - max - Math.log(sum);
        }
        List<ChatTurn> messages = turns(scored);
        String text = scored.get("completion").getAsString();
        double worst = 0;
        for (OnnxLanguageModel model : List.of(withPast, chunked, noPast)) {
            List<SequenceLogProbs> result = model.logProbs(List.of(messages, messages), List.of(text, text));
            assertThat(result).hasSize(2);
            SequenceLogProbs lp = result.get(0);
            assertThat(lp.tokenIds()).containsExactly(Arrays.stream(completion).boxed().toArray(Long[]::new));
            assertThat(String.join("", lp.tokens())).isEqualTo(text);
            for (int j = 0; j < completion.length; j++) {
                assertThat(lp.tokenLogProbs().get(j)).as("token %d", j).isCloseTo(expected[j], within(1e-4));
                worst = Math.max(worst, Math.abs(lp.tokenLogProbs().get(j) - expected[j]));
            }
            assertThat(result.get(1).tokenLogProbs()).isEqualTo(lp.tokenLogProbs());
        }
        System.out.printf("max |ORT - PyTorch| log-prob difference: %.3g%n", worst);
    }

    static List<ChatTurn> turns(JsonObject withMessages) {
        List<ChatTurn> out = new ArrayList<>();
        for (JsonElement e : withMessages.getAsJsonArray("messages")) {
            JsonObject m = e.getAsJsonObject();
            out.add(new ChatTurn(m.get("role").getAsString(), m.get("content").getAsString()));
        }
        return out;
    }
}
