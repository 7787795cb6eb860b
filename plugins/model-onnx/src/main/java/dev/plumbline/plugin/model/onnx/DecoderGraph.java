package dev.plumbline.plugin.model.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A causal-LM graph in Optimum's naming, run by one {@link OrtSession} (its {@code run} is
 * thread-safe, so concurrent sequences share it). Inputs: {@code input_ids} and
 * {@code attention_mask} [batch, sequence] int64, optionally {@code position_ids}, and for a "with
 * past" export {@code past_key_values.{i}.key/value} [batch, kv_heads, past, head_dim] float32 for
 * every layer; outputs {@code logits} [batch, sequence, vocab] and {@code present.{i}.key/value}.
 * Everything runs with batch size 1: the SPI asks for one sequence per call.
 */
final class DecoderGraph implements AutoCloseable {

    static final String FILE = "model.onnx";
    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String POSITION_IDS = "position_ids";
    static final String LOGITS = "logits";

    /** Receives the logits of one position: {@code logits[offset .. offset + vocab)}. */
    interface PositionLogits {
        void accept(int position, float[] logits, int offset, int vocab);
    }

    private final Path file;
    private final OrtSession session;
    private final boolean feedsPositionIds;
    private final int cacheLayers;
    private final int prefillChunkTokens;
    private final List<OnnxTensor> emptyPast;
    private final Set<String> cachedOutputs;

    private DecoderGraph(Path file, OrtSession session, boolean feedsPositionIds, int cacheLayers,
            int prefillChunkTokens, List<OnnxTensor> emptyPast) {
        this.file = file;
        this.session = session;
        this.feedsPositionIds = feedsPositionIds;
        this.cacheLayers = cacheLayers;
        this.prefillChunkTokens = prefillChunkTokens;
        this.emptyPast = emptyPast;
        Set<String> outputs = new LinkedHashSet<>();
        outputs.add(LOGITS);
        for (int i = 0; i < cacheLayers; i++) {
            outputs.add(presentKey(i));
            outputs.add(presentValue(i));
        }
        this.cachedOutputs = outputs;
    }

    static String pastKey(int layer) {
        return "past_key_values." + layer + ".key";
    }

    static String pastValue(int layer) {
        return "past_key_values." + layer + ".value";
    }

    static String presentKey(int layer) {
        return "present." + layer + ".key";
    }

    static String presentValue(int layer) {
        return "present." + layer + ".value";
    }

    /**
     * Loads {@code dir/model.onnx} and checks its signature against {@code config}.
     *
     * @throws ModelFileException naming model.onnx (and the input or output) or config.json (and the field)
     */
    static DecoderGraph load(Path dir, DecoderConfig config, ProviderSettings settings) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file, null, "is missing (the ONNX export of the model)");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (settings.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(settings.intraOpThreads());
            }
            session = env.createSession(file.toString(), options);
        } catch (OrtException e) {
            throw new ModelFileException(file, null, "cannot be loaded by ONNX Runtime: " + e.getMessage(), e);
        }
        List<OnnxTensor> emptyPast = new ArrayList<>();
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            int layers = checkSignature(file, dir.resolve(DecoderConfig.FILE), config, inputs, outputs);
            long[] emptyShape = {1, config.numKeyValueHeads(), 0, config.headDim()};
            for (int i = 0; i < 2 * layers; i++) {
                emptyPast.add(OnnxTensor.createTensor(env, FloatBuffer.allocate(0), emptyShape));
            }
            return new DecoderGraph(file, session, inputs.containsKey(POSITION_IDS), layers,
                    settings.prefillChunkTokens(), List.copyOf(emptyPast));
        } catch (OrtException | RuntimeException e) {
            emptyPast.forEach(OnnxTensor::close);
            closeQuietly(session);
            if (e instanceof ModelFileException m) {
                throw m;
            }
            throw new ModelFileException(file, null, "cannot be inspected: " + e.getMessage(), e);
        }
    }

    /** @return the number of layers with past inputs (0 for an export without KV cache) */
    private static int checkSignature(Path file, Path configFile, DecoderConfig config, Map<String, NodeInfo> inputs,
            Map<String, NodeInfo> outputs) {
        for (String name : List.of(INPUT_IDS, ATTENTION_MASK)) {
            if (!inputs.containsKey(name)) {
                throw new ModelFileException(file, name, "is not an input of the graph (inputs: "
                        + new TreeSet<>(inputs.keySet()) + "); expected an Optimum causal-LM export");
            }
        }
        for (String name : List.of(INPUT_IDS, ATTENTION_MASK, POSITION_IDS)) {
            if (inputs.containsKey(name)) {
                requireTensor(file, name, inputs.get(name), OnnxJavaType.INT64, 2);
            }
        }
        int layers = 0;
        while (inputs.containsKey(pastKey(layers)) || inputs.containsKey(pastValue(layers))) {
            layers++;
        }
        Set<String> unknown = new TreeSet<>(inputs.keySet());
        unknown.removeAll(List.of(INPUT_IDS, ATTENTION_MASK, POSITION_IDS));
        for (int i = 0; i < layers; i++) {
            unknown.remove(pastKey(i));
            unknown.remove(pastValue(i));
        }
        if (!unknown.isEmpty()) {
            throw new ModelFileException(file, unknown.iterator().next(), "is an input this provider cannot feed "
                    + "(unknown inputs: " + unknown + "); it feeds input_ids, attention_mask, position_ids and "
                    + "past_key_values.{i}.key/value (export with optimum-cli --task text-generation-with-past)");
        }
        for (int i = 0; i < layers; i++) {
            for (String name : List.of(pastKey(i), pastValue(i))) {
                if (!inputs.containsKey(name)) {
                    throw new ModelFileException(file, name, "is missing while other layers have past inputs");
                }
                requireTensor(file, name, inputs.get(name), OnnxJavaType.FLOAT, 4);
            }
        }
        if (!outputs.containsKey(LOGITS)) {
            throw new ModelFileException(file, LOGITS, "is not an output of the graph (outputs: "
                    + new TreeSet<>(outputs.keySet()) + ")");
        }
        long[] logits = requireTensor(file, LOGITS, outputs.get(LOGITS), OnnxJavaType.FLOAT, 3);
        if (logits[2] > 0 && config.vocabSize().isPresent() && logits[2] != config.vocabSize().getAsInt()) {
            throw new ModelFileException(configFile, "vocab_size", config.vocabSize().getAsInt()
                    + " does not match the graph's logits width " + logits[2]);
        }
        if (layers > 0 && layers != config.numHiddenLayers()) {
            throw new ModelFileException(configFile, "num_hidden_layers", config.numHiddenLayers()
                    + " does not match the graph, which has past_key_values for " + layers + " layers");
        }
        for (int i = 0; i < layers; i++) {
            for (String name : List.of(pastKey(i), pastValue(i))) {
                long[] shape = ((TensorInfo) inputs.get(name).getInfo()).getShape();
                if (shape[1] > 0 && shape[1] != config.numKeyValueHeads()) {
                    throw new ModelFileException(configFile, "num_key_value_heads", config.numKeyValueHeads()
                            + " does not match the graph's " + name + " heads dimension " + shape[1]);
                }
                if (shape[3] > 0 && shape[3] != config.headDim()) {
                    throw new ModelFileException(configFile, "head_dim", config.headDim()
                            + " (given or hidden_size / num_attention_heads) does not match the graph's " + name
                            + " last dimension " + shape[3]);
                }
            }
            for (String name : List.of(presentKey(i), presentValue(i))) {
                if (!outputs.containsKey(name)) {
                    throw new ModelFileException(file, name, "is not an output although the graph takes "
                            + "past_key_values; expected present.{i}.key/value for every layer");
                }
            }
        }
        return layers;
    }

    private static long[] requireTensor(Path file, String name, NodeInfo node, OnnxJavaType type, int rank) {
        if (!(node.getInfo() instanceof TensorInfo info) || info.type != type || info.getShape().length != rank) {
            throw new ModelFileException(file, name, "is " + node.getInfo() + "; expected a " + rank + "-d "
                    + type.name().toLowerCase() + " tensor" + (type == OnnxJavaType.FLOAT
                            ? " (float16/bfloat16 exports are not supported; export in float32)" : ""));
        }
        return info.getShape();
    }

    /** True for a "with past" export: each step then feeds only new tokens. */
    boolean hasKvCache() {
        return cacheLayers > 0;
    }

    /**
     * A new, empty sequence. With {@code useKvCache} (and a graph that has past inputs) appended
     * tokens are run once and their keys and values kept; otherwise every append reruns the whole
     * sequence (the only way for an export without past, and the reference in tests).
     */
    Sequence newSequence(boolean useKvCache) {
        return useKvCache && hasKvCache() ? new CachedSequence() : new RecomputedSequence();
    }

    /** Tokens fed so far and the graph state that continues them; one thread at a time. */
    abstract class Sequence implements AutoCloseable {

        int length;

        /**
         * Appends {@code tokens} and runs them.
         *
         * @param each receives the logits of every appended position (in order), or {@code null}
         * @return the logits after the last appended token
         */
        abstract float[] append(long[] tokens, PositionLogits each) throws OrtException;

        int length() {
            return length;
        }

        @Override
        public void close() {}
    }

    private final class CachedSequence extends Sequence {

        /** The previous run's outputs; its present tensors are the next run's past, never copied to Java. */
        private OrtSession.Result previous;

        @Override
        float[] append(long[] tokens, PositionLogits each) throws OrtException {
            float[] last = null;
            for (int start = 0; start < tokens.length; start += prefillChunkTokens) {
                long[] chunk = Arrays.copyOfRange(tokens, start, Math.min(tokens.length, start + prefillChunkTokens));
                last = run(chunk, each);
            }
            return last;
        }

        private float[] run(long[] chunk, PositionLogits each) throws OrtException {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            int n = chunk.length;
            Map<String, OnnxTensor> feed = new HashMap<>();
            List<OnnxTensor> created = new ArrayList<>();
            OrtSession.Result result = null;
            try {
                created.add(feed(feed, INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(chunk),
                        new long[] {1, n})));
                created.add(feed(feed, ATTENTION_MASK, ones(env, length + n)));
                if (feedsPositionIds) {
                    created.add(feed(feed, POSITION_IDS, positions(env, length, n)));
                }
                for (int i = 0; i < cacheLayers; i++) {
                    feed.put(pastKey(i), previous == null ? emptyPast.get(2 * i) : tensor(previous, presentKey(i)));
                    feed.put(pastValue(i), previous == null ? emptyPast.get(2 * i + 1)
                            : tensor(previous, presentValue(i)));
                }
                result = session.run(feed, cachedOutputs);
                float[] logits = readLogits(tensor(result, LOGITS), n, length, each);
                if (previous != null) {
                    previous.close();
                }
                previous = result;
                result = null;
                length += n;
                return logits;
            } finally {
                created.forEach(OnnxTensor::close);
                if (result != null) {
                    result.close();
                }
            }
        }

        @Override
        public void close() {
            if (previous != null) {
                previous.close();
                previous = null;
            }
        }
    }

    private final class RecomputedSequence extends Sequence {

        private long[] tokens = new long[0];

        @Override
        float[] append(long[] appended, PositionLogits each) throws OrtException {
            long[] all = Arrays.copyOf(tokens, tokens.length + appended.length);
            System.arraycopy(appended, 0, all, tokens.length, appended.length);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            Map<String, OnnxTensor> feed = new HashMap<>();
            List<OnnxTensor> created = new ArrayList<>();
            try {
                created.add(feed(feed, INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(all),
                        new long[] {1, all.length})));
                created.add(feed(feed, ATTENTION_MASK, ones(env, all.length)));
                if (feedsPositionIds) {
                    created.add(feed(feed, POSITION_IDS, positions(env, 0, all.length)));
                }
                for (int i = 0; i < cacheLayers; i++) {
                    feed.put(pastKey(i), emptyPast.get(2 * i));
                    feed.put(pastValue(i), emptyPast.get(2 * i + 1));
                }
                try (OrtSession.Result result = session.run(feed, Set.of(LOGITS))) {
                    int before = tokens.length;
                    PositionLogits newOnly = each == null ? null : (position, logits, offset, vocab) -> {
                        if (position >= before) {
                            each.accept(position, logits, offset, vocab);
                        }
                    };
                    float[] last = readLogits(tensor(result, LOGITS), all.length, 0, newOnly);
                    tokens = all;
                    length = all.length;
                    return last;
                }
            } finally {
                created.forEach(OnnxTensor::close);
            }
        }
    }

    private static OnnxTensor feed(Map<String, OnnxTensor> feed, String name, OnnxTensor tensor) {
        feed.put(name, tensor);
        return tensor;
    }

    private static OnnxTensor ones(OrtEnvironment env, int n) throws OrtException {
        long[] mask = new long[n];
        Arrays.fill(mask, 1L);
        return OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, n});
    }

    private static OnnxTensor positions(OrtEnvironment env, int from, int n) throws OrtException {
        long[] positions = new long[n];
        for (int j = 0; j < n; j++) {
            positions[j] = from + j;
        }
        return OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[] {1, n});
    }

    private OnnxTensor tensor(OrtSession.Result result, String name) {
        OnnxValue value = result.get(name).orElseThrow(() -> new IllegalStateException(file + " returned no '"
                + name + "'"));
        if (!(value instanceof OnnxTensor tensor)) {
            throw new IllegalStateException(file + " output '" + name + "' is not a tensor");
        }
        return tensor;
    }

    /** Visits each position's logits (positions numbered from {@code firstPosition}); returns the last row. */
    private float[] readLogits(OnnxTensor logits, int n, int firstPosition, PositionLogits each) {
        long[] shape = logits.getInfo().getShape();
        if (shape.length != 3 || shape[0] != 1 || shape[1] != n || shape[2] < 1) {
            throw new IllegalStateException(file + " returned logits of shape " + Arrays.toString(shape)
                    + " for 1 sequence of " + n + " tokens; expected [1, " + n + ", vocab]");
        }
        int vocab = (int) shape[2];
        float[] values = new float[n * vocab];
        logits.getFloatBuffer().get(values);
        if (each != null) {
            for (int j = 0; j < n; j++) {
                each.accept(firstPosition + j, values, j * vocab, vocab);
            }
        }
        return Arrays.copyOfRange(values, (n - 1) * vocab, n * vocab);
    }

    @Override
    public void close() {
        emptyPast.forEach(OnnxTensor::close);
        closeQuietly(session);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException | RuntimeException e) {
            // Best effort: the session is unusable either way.
        }
    }
}
