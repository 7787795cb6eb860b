package dev.plumbline.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.plumbline.engine.model.train.Autograd;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Autograd through the model: correct gradients, and gradients that do not depend on GC timing. */
class LlamaGradientTest {

    static NDManager manager;
    static final List<ScoredSequence> DATA = List.of(
            ScoredSequence.of(new long[] {257, 72, 105, 33, 10}, new long[] {79, 75, 258}),
            ScoredSequence.of(new long[] {257, 5}, new long[] {6, 7, 8, 9, 258}));

    @BeforeAll
    static void setUp() {
        manager = ModelEngine.newManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    /** Mean negative log-likelihood of the targets and, if asked, every weight's gradient. */
    static Map<String, float[]> gradients(LlamaModel model, boolean collectGarbageBeforeBackward) {
        Map<String, float[]> grads = new LinkedHashMap<>();
        CompletionBatch batch = CompletionBatch.of(DATA, 256);
        try (NDManager step = model.manager().newSubManager(); GradientCollector gc = Autograd.collector()) {
            NDArray loss = TokenLogProbs.of(model, batch, step).sum().neg().div(step.create((float) batch.targetCount()));
            if (collectGarbageBeforeBackward) {
                // Frees Java buffers nobody references any more; autograd must not depend on one.
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    sleep();
                }
            }
            gc.backward(loss);
        }
        model.parameters().forEach((name, w) -> {
            NDArray g = w.getGradient();
            grads.put(name, g.toFloatArray());
            g.muli(0f);
            g.close();
        });
        return grads;
    }

    static float loss(LlamaModel model) {
        try (NDManager step = model.manager().newSubManager()) {
            CompletionBatch batch = CompletionBatch.of(DATA, 256);
            return TokenLogProbs.of(model, batch, step).sum().neg().getFloat() / batch.targetCount();
        }
    }

    @Test
    void gradientsDoNotDependOnGarbageCollectionTiming() {
        try (LlamaModel model = TestModels.peaky(manager, 3)) {
            model.setRequiresGradient(true);
            Map<String, float[]> plain = gradients(model, false);
            Map<String, float[]> collected = gradients(model, true);
            plain.forEach((name, g) -> {
                for (float v : g) {
                    assertThat(Float.isFinite(v)).as(name).isTrue();
                }
                assertThat(collected.get(name)).as(name).containsExactly(g);
            });
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        try (LlamaModel model = TestModels.peaky(manager, 4)) {
            model.setRequiresGradient(true);
            Map<String, float[]> grads = gradients(model, false);
            model.setRequiresGradient(false);
            // One entry of several kinds of weight, including the norms and the embedding row of a used token.
            Map<String, Integer> probes = new LinkedHashMap<>();
            probes.put("model.layers.0.self_attn.q_proj.weight", 17);
            probes.put("model.layers.1.self_attn.v_proj.weight", 40);
            probes.put("model.layers.0.mlp.down_proj.weight", 99);
            probes.put("model.layers.1.input_layernorm.weight", 5);
            probes.put("model.norm.weight", 9);
            probes.put(LlamaModel.EMBED_TOKENS, 72 * 64 + 3);
            probes.put(LlamaModel.LM_HEAD, 79 * 64 + 1);
            double h = 1e-2;
            probes.forEach((name, index) -> {
                NDArray flat = model.parameters().get(name).reshape(-1);
                float original = flat.getFloat(index);
                flat.set(new NDIndex(index), original + (float) h);
                double up = loss(model);
                flat.set(new NDIndex(index), original - (float) h);
                double down = loss(model);
                flat.set(new NDIndex(index), original);
                double numeric = (up - down) / (2 * h);
                double analytic = grads.get(name)[index];
                assertThat(Math.abs(numeric)).as("%s moves the loss", name).isGreaterThan(1e-3);
                assertThat(analytic).as(name).isCloseTo(numeric, org.assertj.core.data.Offset.offset(
                        2e-3 + 0.02 * Math.abs(numeric)));
            });
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
