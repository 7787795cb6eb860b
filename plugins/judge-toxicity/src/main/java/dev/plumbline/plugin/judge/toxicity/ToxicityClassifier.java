package dev.plumbline.plugin.judge.toxicity;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * The committed toxicity model (hashed n-grams → logistic regression, an ONNX graph written by
 * {@link OnnxGraphWriter}) run with ONNX Runtime. One session per model file, shared: the
 * OrtEnvironment is a process singleton and {@link OrtSession#run} is thread-safe.
 */
public final class ToxicityClassifier implements AutoCloseable {

    public static final String RESOURCE = "dev/plumbline/plugin/judge/toxicity/toxicity-hashed-lr.onnx";
    public static final String SPEC_KEY = "feature_spec";
    static final int BATCH_ROWS = 32;

    private final OrtSession session;
    private final String sha256;

    private ToxicityClassifier(OrtSession session, String sha256) {
        this.session = session;
        this.sha256 = sha256;
    }

    /** Loads the committed model from the classpath. */
    public static ToxicityClassifier loadDefault() throws OrtException {
        byte[] bytes;
        try (InputStream in = ToxicityClassifier.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("model resource " + RESOURCE + " is missing from the plugin jar");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
        return fromBytes(bytes);
    }

    /**
     * @throws IllegalStateException when the model was built with a different feature spec
     */
    public static ToxicityClassifier fromBytes(byte[] onnx) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            opts.setInterOpNumThreads(1);
            session = env.createSession(onnx, opts);
        }
        Map<String, String> meta = session.getMetadata().getCustomMetadata();
        String spec = meta.get(SPEC_KEY);
        if (!HashedNgramFeatures.SPEC.equals(spec)) {
            session.close();
            throw new IllegalStateException("model feature spec '" + spec + "' does not match this code's '"
                    + HashedNgramFeatures.SPEC + "'; retrain the model");
        }
        return new ToxicityClassifier(session, Hashing.sha256(onnx));
    }

    /** SHA-256 of the ONNX bytes, for provenance. */
    public String sha256() {
        return sha256;
    }

    /** Toxicity probability of each text, in order. */
    public double[] predict(List<String> texts) throws OrtException {
        double[] out = new double[texts.size()];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (int from = 0; from < texts.size(); from += BATCH_ROWS) {
            int rows = Math.min(BATCH_ROWS, texts.size() - from);
            float[] dense = new float[rows * HashedNgramFeatures.DIMENSION];
            for (int r = 0; r < rows; r++) {
                HashedNgramFeatures.fill(HashedNgramFeatures.extract(texts.get(from + r)), dense, r);
            }
            try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(dense),
                    new long[] {rows, HashedNgramFeatures.DIMENSION});
                    OrtSession.Result result = session.run(Map.of(OnnxGraphWriter.INPUT, x),
                            java.util.Set.of(OnnxGraphWriter.PROBABILITY))) {
                float[][] p = (float[][]) result.get(OnnxGraphWriter.PROBABILITY).orElseThrow().getValue();
                for (int r = 0; r < rows; r++) {
                    out[from + r] = p[r][0];
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
