package dev.plumbline.plugin.judge.toxicity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hand-encoded protobuf loads in ONNX Runtime and computes sigmoid(x·W + b). */
class OnnxGraphWriterTest {

    @Test
    void ortRunsTheWrittenGraph() throws Exception {
        float[] w = {0.5f, -1.0f, 2.0f};
        byte[] model = OnnxGraphWriter.logisticRegression(w, 0.25f, "tiny", Map.of("k", "v"));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions());
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {1, 2, 3, 0, 0, 0}),
                        new long[] {2, 3});
                OrtSession.Result r = s.run(Map.of(OnnxGraphWriter.INPUT, x))) {
            assertThat(s.getInputNames()).containsExactly(OnnxGraphWriter.INPUT);
            assertThat(s.getMetadata().getCustomMetadata()).containsEntry("k", "v");
            assertThat(s.getMetadata().getProducerName()).isEqualTo("plumbline");
            float[][] logit = (float[][]) r.get(OnnxGraphWriter.LOGIT).orElseThrow().getValue();
            float[][] p = (float[][]) r.get(OnnxGraphWriter.PROBABILITY).orElseThrow().getValue();
            // Row 1: 0.5 - 2 + 6 + 0.25 = 4.75; row 2: the bias alone.
            assertThat(logit[0][0]).isCloseTo(4.75f, within(1e-6f));
            assertThat(logit[1][0]).isCloseTo(0.25f, within(1e-6f));
            assertThat(p[0][0]).isCloseTo((float) (1 / (1 + Math.exp(-4.75))), within(1e-6f));
            assertThat(p[1][0]).isCloseTo((float) (1 / (1 + Math.exp(-0.25))), within(1e-6f));
        }
    }

    @Test
    void varintsOfLargeValuesRoundTrip() {
        byte[] b = new OnnxGraphWriter.Proto().int64(1, 300).bytes();
        // field 1 varint: tag 0x08, then 300 = 0xAC 0x02.
        assertThat(b).containsExactly(0x08, 0xAC, 0x02);
    }
}
