package dev.plumbline.plugin.model.onnx;

import static dev.plumbline.plugin.model.onnx.TinyOnnxModels.WITH_PAST;
import static dev.plumbline.plugin.model.onnx.TinyOnnxModels.longList;
import static dev.plumbline.plugin.model.onnx.TinyOnnxModels.longs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.plumbline.spi.ChatTurn;
import dev.plumbline.spi.Generation;
import dev.plumbline.spi.GenerationSettings;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.ProviderContext;
import dev.plumbline.spi.SequenceLogProbs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stop strings, streaming, context limits, settings validation and concurrent use. */
class OnnxGenerationTest {

    static OnnxLanguageModel model;
    static JsonObject first;
    static String firstPrompt;
    static List<Long> firstGreedy;

    @BeforeAll
    static void open() {
        model = (OnnxLanguageModel) new OnnxModelProvider().open(WITH_PAST,
                new ProviderContext(TinyOnnxModels.root(), Map.of()));
        first = TinyOnnxModels.reference().getAsJsonArray("complete").get(0).getAsJsonObject();
        firstPrompt = first.get("text").getAsString();
        firstGreedy = longList(first.getAsJsonArray("greedy"));
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    /** Greedy text of the first reference prompt: bytes K, 0x92, '-', 'A', 0xCD 0x92 (U+0352), 'Y', then EOS. */
    @Test
    void referenceContinuationIsTheOneTheseTestsAssume() {
        assertThat(firstGreedy).containsExactly(75L, 146L, 45L, 65L, 205L, 146L, 89L, 258L);
        assertThat(model.complete(firstPrompt, GenerationSettings.greedy(12), null).text())
                .isEqualTo("K\uFFFD-A\u0352Y");
    }

    @Test
    void stopStringSpanningTokensCutsTheTextAndEndsGeneration() {
        List<String> streamed = new ArrayList<>();
        Generation g = model.complete(firstPrompt, new GenerationSettings(0, 12, 0, 1, List.of("-A"), null),
                streamed::add);
        assertThat(g.text()).isEqualTo("K\uFFFD");
        assertThat(g.tokenIds()).containsExactly(75L, 146L, 45L, 65L);
        assertThat(g.finishedByLength()).isFalse();
        assertThat(String.join("", streamed)).isEqualTo(g.text());
    }

    @Test
    void stopStringAfterAMultiByteCharacterIsFoundOnceTheCharacterIsComplete() {
        List<String> streamed = new ArrayList<>();
        Generation g = model.complete(firstPrompt, new GenerationSettings(0, 12, 0, 1, List.of("\u0352Y", "zzz"),
                null), streamed::add);
        assertThat(g.text()).isEqualTo("K\uFFFD-A");
        assertThat(g.tokenIds()).containsExactly(75L, 146L, 45L, 65L, 205L, 146L, 89L);
        assertThat(String.join("", streamed)).isEqualTo("K\uFFFD-A");
    }

    @Test
    void streamingNeverShowsHalfACharacter() {
        List<String> streamed = new ArrayList<>();
        Generation g = model.complete(firstPrompt, GenerationSettings.greedy(12), streamed::add);
        assertThat(String.join("", streamed)).isEqualTo(g.text());
        // 0xCD arrives one token before 0x92: the piece streamed after 'A' must not end in U+FFFD.
        assertThat(streamed).noneMatch(piece -> piece.endsWith("A\uFFFD"));
        assertThat(streamed).contains("\u0352").hasSizeGreaterThan(3);
    }

    @Test
    void maxNewTokensEndsByLength() {
        Generation g = model.complete(firstPrompt, GenerationSettings.greedy(3), null);
        assertThat(g.tokenIds()).containsExactly(75L, 146L, 45L);
        assertThat(g.finishedByLength()).isTrue();
    }

    @Test
    void promptsThatFillTheContextAreRejectedNotTruncated() {
        String long63 = "x".repeat(62); // BOS + 62 bytes = 63 tokens: room for exactly one
        Generation one = model.complete(long63, GenerationSettings.greedy(10), null);
        assertThat(one.tokenIds()).hasSize(1);
        assertThat(one.finishedByLength()).isTrue();
        assertThat(one.promptTokens()).isEqualTo(63);

        assertThatThrownBy(() -> model.complete("x".repeat(63), GenerationSettings.greedy(1), null))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("prompt"))
                .hasMessageContaining("64 tokens").hasMessageContaining("context is 64");
        assertThatThrownBy(() -> model.chat(List.of(ChatTurn.user("y".repeat(80))), GenerationSettings.greedy(1),
                null)).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("messages"));
        assertThatThrownBy(() -> model.logProbs(List.of(List.of(ChatTurn.user("Hi"))), List.of("z".repeat(60))))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("completions[0]"));
    }

    @Test
    void badSettingsAndEmptyInputsNameTheField() {
        record Case(GenerationSettings settings, String field) {}
        for (Case c : List.of(new Case(new GenerationSettings(-1, 5, 0, 1, List.of(), null), "settings.temperature"),
                new Case(new GenerationSettings(1, 0, 0, 1, List.of(), null), "settings.max_new_tokens"),
                new Case(new GenerationSettings(1, 5, -2, 1, List.of(), null), "settings.top_k"),
                new Case(new GenerationSettings(1, 5, 0, 0, List.of(), null), "settings.top_p"),
                new Case(new GenerationSettings(1, 5, 0, 1, List.of(""), null), "settings.stop[0]"))) {
            assertThatThrownBy(() -> model.complete("Hi", c.settings(), null))
                    .isInstanceOf(InvalidInputException.class)
                    .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(c.field()));
            assertThatThrownBy(() -> model.chat(List.of(ChatTurn.user("Hi")), c.settings(), null))
                    .isInstanceOf(InvalidInputException.class)
                    .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(c.field()));
        }
        assertField(() -> model.complete("", GenerationSettings.greedy(1), null), "prompt");
        assertField(() -> model.chat(List.of(), GenerationSettings.greedy(1), null), "messages");
        assertField(() -> model.chat(List.of(new ChatTurn("bot", "x")), GenerationSettings.greedy(1), null),
                "messages[0].role");
        assertField(() -> model.logProbs(List.of(List.of(ChatTurn.user("a"))), List.of()), "completions");
        assertField(() -> model.logProbs(List.of(List.of(ChatTurn.user("a"))), List.of("")), "completions[0]");
    }

    @Test
    void concurrentCallsGiveWhatSequentialCallsGive() throws Exception {
        List<String> prompts = new ArrayList<>();
        TinyOnnxModels.reference().getAsJsonArray("complete").forEach(e -> prompts.add(e.getAsJsonObject()
                .get("text").getAsString()));
        GenerationSettings sampled = new GenerationSettings(1.0, 30, 40, 0.95, List.of(), 99L);
        List<List<Long>> sequential = new ArrayList<>();
        for (String p : prompts) {
            sequential.add(model.complete(p, sampled, null).tokenIds());
        }
        SequenceLogProbs scored = model.logProbs(List.of(List.of(ChatTurn.user("Hi"))), List.of("Hello")).get(0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < prompts.size(); i++) {
                    int index = i;
                    futures.add(pool.submit(() -> model.complete(prompts.get(index), sampled, null).tokenIds()
                            .equals(sequential.get(index))));
                }
                futures.add(pool.submit(() -> model.logProbs(List.of(List.of(ChatTurn.user("Hi"))), List.of("Hello"))
                        .get(0).equals(scored)));
            }
            for (Future<Boolean> f : futures) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void chatRendersThePlumblineFormatTheReferenceTokenized() {
        JsonObject chat = TinyOnnxModels.reference().getAsJsonObject("chat");
        String rendered = model.model().chat().format().renderForReply(OnnxParityTest.turns(chat));
        assertThat(rendered).isEqualTo("<|system|>\nBe brief.<|end|>\n<|user|>\nCapital of Peru?<|end|>\n"
                + "<|assistant|>\n");
        assertThat(model.model().tokenizer().encode(rendered, false)).containsExactly(longs(chat.getAsJsonArray(
                "ids")));
    }

    @Test
    void theTokenizerNeverTruncatesSoTheContextCheckSeesEveryToken() {
        // DJL's tokenizer caps at 512 tokens when truncation is on; a silent cut would bypass the context check.
        String text = "abc ".repeat(1000);
        assertThat(model.model().tokenizer().encode(text, true)).hasSize(4001);
        assertThatThrownBy(() -> model.complete(text, GenerationSettings.greedy(1), null))
                .hasMessageContaining("is 4001 tokens");
    }

    private static void assertField(Runnable call, String field) {
        assertThatThrownBy(call::run).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(field));
    }
}
