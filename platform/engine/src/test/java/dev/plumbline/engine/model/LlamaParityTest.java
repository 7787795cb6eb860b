package dev.plumbline.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.plumbline.engine.model.checkpoint.SafetensorsCheckpoint;
import dev.plumbline.engine.model.checkpoint.SafetensorsFile;
import dev.plumbline.engine.model.generate.GenerationListener;
import dev.plumbline.engine.model.generate.GenerationResult;
import dev.plumbline.engine.model.generate.Generator;
import dev.plumbline.spi.GenerationSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our Llama against an independent PyTorch implementation (src/test/python/make_llama_fixture.py). */
class LlamaParityTest {

    static final double TOLERANCE = 1e-4;

    static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = ModelEngine.newManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    record Reference(List<long[]> prompts, List<float[]> logits, List<long[]> greedy) {}

    static Reference reference(Path dir) {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("reference.safetensors"))) {
            List<long[]> prompts = new ArrayList<>();
            List<float[]> logits = new ArrayList<>();
            List<long[]> greedy = new ArrayList<>();
            for (int i = 0; f.tensors().containsKey("input_ids_" + i); i++) {
                prompts.add(f.readLongs("input_ids_" + i));
                logits.add(f.readFloats("logits_" + i));
                greedy.add(f.readLongs("greedy_" + i));
            }
            return new Reference(prompts, logits, greedy);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gqa-f32", "tied-llama3-bf16", "mqa-headdim-f16"})
    void logitsMatchThePyTorchReferenceOneByOneAndPadded(String variant) {
        Path dir = PythonReference.fixtures().resolve(variant);
        Reference ref = reference(dir);
        try (LlamaModel model = SafetensorsCheckpoint.load(dir, manager); NDManager step = manager.newSubManager()) {
            int vocab = model.config().vocabSize();
            double worst = 0;
            for (int i = 0; i < ref.prompts().size(); i++) {
                long[] ids = ref.prompts().get(i);
                NDArray logits = model.forward(step.create(ids, new Shape(1, ids.length)),
                        step.ones(new Shape(1, ids.length)));
                worst = Math.max(worst, maxAbsDiff(logits.toFloatArray(), ref.logits().get(i)));
            }
            // Both prompts in one batch, left padded and right padded: real positions must match.
            for (boolean left : new boolean[] {true, false}) {
                int width = ref.prompts().stream().mapToInt(p -> p.length).max().orElseThrow();
                int rows = ref.prompts().size();
                long[] ids = new long[rows * width];
                long[] mask = new long[rows * width];
                for (int r = 0; r < rows; r++) {
                    long[] p = ref.prompts().get(r);
                    int offset = left ? width - p.length : 0;
                    for (int j = 0; j < p.length; j++) {
                        ids[r * width + offset + j] = p[j];
                        mask[r * width + offset + j] = 1;
                    }
                }
                float[] all = model.forward(step.create(ids, new Shape(rows, width)),
                        step.create(mask, new Shape(rows, width))).toFloatArray();
                for (int r = 0; r < rows; r++) {
                    long[] p = ref.prompts().get(r);
                    int offset = left ? width - p.length : 0;
                    float[] mine = new float[p.length * vocab];
                    System.arraycopy(all, (r * width + offset) * vocab, mine, 0, mine.length);
                    worst = Math.max(worst, maxAbsDiff(mine, ref.logits().get(r)));
                }
            }
            System.out.printf("parity %s: max |logit diff| = %.3g%n", variant, worst);
            assertThat(worst).isLessThan(TOLERANCE);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gqa-f32", "tied-llama3-bf16", "mqa-headdim-f16"})
    void greedyTokensMatchThePyTorchReference(String variant) {
        Path dir = PythonReference.fixtures().resolve(variant);
        Reference ref = reference(dir);
        try (LlamaModel model = SafetensorsCheckpoint.load(dir, manager)) {
            int n = ref.greedy().get(0).length;
            // Batched with the KV cache, then each prompt alone without it.
            List<GenerationResult> batched = new Generator(model, null)
                    .generate(ref.prompts(), GenerationSettings.greedy(n), Set.of(), GenerationListener.NONE);
            for (int i = 0; i < ref.prompts().size(); i++) {
                assertThat(batched.get(i).tokenIds()).as("batched, cached, prompt %d", i)
                        .containsExactly(ref.greedy().get(i));
                GenerationResult alone = new Generator(model, null).withoutCache().generate(
                        List.of(ref.prompts().get(i)), GenerationSettings.greedy(n), Set.of(), GenerationListener.NONE)
                        .get(0);
                assertThat(alone.tokenIds()).as("alone, no cache, prompt %d", i).containsExactly(ref.greedy().get(i));
            }
        }
    }

    /** The other direction: a checkpoint written by Java, read by the Python reference. */
    @Test
    void javaWrittenCheckpointGivesTheSameLogitsInPyTorch(@TempDir Path tmp) {
        PythonReference.assumeTorch();
        LlamaConfig config = LlamaConfig.of(72, 48, 96, 2, 6, 2, 32, true)
                .withRope(5000.0, RopeScaling.NONE).withRmsNormEps(1e-5);
        SplittableRandom random = new SplittableRandom(7);
        Map<String, NDArray> weights = new LinkedHashMap<>();
        try (NDManager staging = manager.newSubManager()) {
            for (Map.Entry<String, Shape> e : LlamaModel.expectedShapes(config).entrySet()) {
                float[] v = new float[(int) e.getValue().size()];
                long fanIn = e.getValue().get(e.getValue().dimension() - 1);
                for (int i = 0; i < v.length; i++) {
                    v[i] = LlamaModel.isNormWeight(e.getKey()) ? (float) (1 + 0.2 * random.nextGaussian())
                            : (float) (random.nextGaussian() / (e.getKey().equals(LlamaModel.EMBED_TOKENS) ? 1
                                    : Math.sqrt(fanIn)));
                }
                weights.put(e.getKey(), staging.create(v, e.getValue()));
            }
            Path dir = tmp.resolve("java-written");
            String spec = "1,5,9,22,40,3,17;2,60,8";
            List<long[]> inputs = List.of(new long[] {1, 5, 9, 22, 40, 3, 17}, new long[] {2, 60, 8});
            try (LlamaModel model = LlamaModel.fromWeights(config, weights, manager)) {
                SafetensorsCheckpoint.save(model, dir);
                Path out = PythonReference.logits(dir, spec, tmp.resolve("python-logits.safetensors"));
                double worst = 0;
                try (SafetensorsFile python = SafetensorsFile.open(out); NDManager step = manager.newSubManager()) {
                    for (int i = 0; i < inputs.size(); i++) {
                        long[] ids = inputs.get(i);
                        float[] mine = model.forward(step.create(ids, new Shape(1, ids.length)),
                                step.ones(new Shape(1, ids.length))).toFloatArray();
                        worst = Math.max(worst, maxAbsDiff(mine, python.readFloats("logits_" + i)));
                    }
                }
                System.out.printf("parity java-written checkpoint: max |logit diff| = %.3g%n", worst);
                assertThat(worst).isLessThan(TOLERANCE);
            }
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
