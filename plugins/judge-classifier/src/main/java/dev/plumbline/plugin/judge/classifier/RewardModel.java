package dev.plumbline.plugin.judge.classifier;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A loaded sequence-classification model: one ONNX Runtime session (thread-safe: the
 * OrtEnvironment is a process singleton and {@link OrtSession#run} may be called concurrently)
 * and its Hugging Face tokenizer, one instance per truncation length (the Rust tokenizer is
 * immutable once built, so encoding is thread-safe too).
 */
final class RewardModel {

    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";
    static final String LOGITS = "logits";
    /** DJL's own default when a tokenizer names no limit; used when max_length asks for more. */
    static final int DEFAULT_MODEL_MAX_LENGTH = 512;

    private final ModelDirectory directory;
    private final OrtSession session;
    private final boolean feedsTokenTypeIds;
    private final String outputName;
    private final int numLabels;
    private final String sha256;
    private final ConcurrentMap<Integer, HuggingFaceTokenizer> tokenizers = new ConcurrentHashMap<>();

    private RewardModel(ModelDirectory directory, OrtSession session, boolean feedsTokenTypeIds, String outputName,
            int numLabels, String sha256) {
        this.directory = directory;
        this.session = session;
        this.feedsTokenTypeIds = feedsTokenTypeIds;
        this.outputName = outputName;
        this.numLabels = numLabels;
        this.sha256 = sha256;
    }

    /**
     * Loads {@code dir/model.onnx} and {@code dir/tokenizer.json} and checks that the graph is a
     * classifier this judge can feed.
     *
     * @throws InvalidInputException naming {@code parameters.model_dir} and the offending file
     */
    static RewardModel load(Path dir) {
        requireNativeRuntimes();
        ModelDirectory directory = ModelDirectory.read(dir);
        Path onnx = directory.file(ModelDirectory.MODEL_ONNX);
        String sha256 = sha256(onnx);
        // Built now so that a tokenizer.json the Rust library rejects is reported before any scoring.
        HuggingFaceTokenizer probe = newTokenizer(directory, DEFAULT_MODEL_MAX_LENGTH);
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            session = OrtEnvironment.getEnvironment().createSession(onnx.toString(), options);
        } catch (OrtException e) {
            probe.close();
            throw ModelDirectory.invalid(dir, ModelDirectory.MODEL_ONNX, "cannot be loaded by ONNX Runtime: "
                    + e.getMessage());
        }
        try {
            RewardModel model = inspect(directory, session, sha256);
            model.tokenizers.put(DEFAULT_MODEL_MAX_LENGTH, probe);
            return model;
        } catch (RuntimeException e) {
            probe.close();
            closeQuietly(session);
            throw e;
        }
    }

    /** Separates "this process cannot run models" from "this directory is bad". */
    private static void requireNativeRuntimes() {
        try {
            LibUtils.checkStatus();
        } catch (RuntimeException | LinkageError e) {
            throw new RuntimeUnavailableException("the Hugging Face tokenizers native library is unavailable", e);
        }
        try {
            OrtEnvironment.getEnvironment();
        } catch (RuntimeException | LinkageError e) {
            throw new RuntimeUnavailableException("ONNX Runtime is unavailable", e);
        }
    }

    private static RewardModel inspect(ModelDirectory directory, OrtSession session, String sha256) {
        Path dir = directory.dir();
        Map<String, NodeInfo> inputs;
        Map<String, NodeInfo> outputs;
        try {
            inputs = session.getInputInfo();
            outputs = session.getOutputInfo();
        } catch (OrtException e) {
            throw ModelDirectory.invalid(dir, ModelDirectory.MODEL_ONNX, "cannot be inspected: " + e.getMessage());
        }
        for (String required : List.of(INPUT_IDS, ATTENTION_MASK)) {
            if (!inputs.containsKey(required)) {
                throw ModelDirectory.invalid(dir, ModelDirectory.MODEL_ONNX, "has no input '" + required
                        + "' (inputs: " + new TreeSet<>(inputs.keySet()) + "); expected a Hugging Face "
                        + "sequence-classification export with input_ids and attention_mask");
            }
        }
        Set<String> unknown = new TreeSet<>(inputs.keySet());
        unknown.removeAll(Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS));
        if (!unknown.isEmpty()) {
            throw ModelDirectory.invalid(dir, ModelDirectory.MODEL_ONNX, "needs inputs this judge cannot provide: "
                    + unknown + "; it feeds only input_ids, attention_mask and token_type_ids");
        }
        for (Map.Entry<String, NodeInfo> input : inputs.entrySet()) {
            if (!(input.getValue().getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.INT64) {
                throw ModelDirectory.invalid(dir, ModelDirectory.MODEL_ONNX, "input '" + input.getKey() + "' is "
                        + input.getValue().getInfo() + "; expected an int64 tensor [batch, sequence]");
            }
        }
        String output = outputs.containsKey(LOGITS) ? LOGITS
                : outputs.size() == 1 ? outputs.keySet().iterator().next() : null;
        if (output == null) {
            throw ModelDirectory.invalid(dir, ModelDirectory.MODEL_ONNX, "has no output 'logits' and several outputs "
                    + new TreeSet<>(outputs.keySet()) + "; cannot tell which one is the classifier's");
        }
        if (!(outputs.get(output).getInfo() instanceof TensorInfo logits)
                || (logits.type != OnnxJavaType.FLOAT && logits.type != OnnxJavaType.DOUBLE)) {
            throw ModelDirectory.invalid(dir, ModelDirectory.MODEL_ONNX, "output '" + output + "' is "
                    + outputs.get(output).getInfo() + "; expected a float32 tensor [batch, num_labels]");
        }
        long[] shape = logits.getShape();
        if (shape.length != 2 || shape[1] == 0) {
            throw ModelDirectory.invalid(dir, ModelDirectory.MODEL_ONNX, "output '" + output + "' has shape "
                    + describeShape(shape, logits.getDimensionNames()) + "; expected [batch, 1] (one reward logit) "
                    + "or [batch, num_labels] (class logits)");
        }
        int labels = shape[1] > 0 ? Math.toIntExact(shape[1]) : -1;
        List<String> id2label = directory.id2label();
        if (labels > 0 && !id2label.isEmpty() && id2label.size() != labels) {
            throw ModelDirectory.invalid(dir, ModelDirectory.CONFIG_JSON, "id2label names " + id2label.size()
                    + " labels but model.onnx outputs " + labels + " logits");
        }
        if (labels < 0 && !id2label.isEmpty()) {
            labels = id2label.size();
        }
        return new RewardModel(directory, session, inputs.containsKey(TOKEN_TYPE_IDS), output, labels, sha256);
    }

    ModelDirectory directory() {
        return directory;
    }

    /** SHA-256 of model.onnx's bytes. */
    String sha256() {
        return sha256;
    }

    /** Logits per input from the graph's static shape or config.json; -1 when only a run can tell. */
    int numLabels() {
        return numLabels;
    }

    boolean feedsTokenTypeIds() {
        return feedsTokenTypeIds;
    }

    /** The requested truncation length, capped by tokenizer_config.json's model_max_length. */
    int effectiveMaxLength(int requested) {
        return directory.modelMaxLength().isPresent()
                ? Math.min(requested, directory.modelMaxLength().getAsInt()) : requested;
    }

    /**
     * Tokenizes with special tokens and truncation (longest-first for a pair, as transformers does).
     *
     * @throws RuntimeException from the tokenizer, e.g. when maxLength cannot hold the special tokens
     */
    EncodedInput encode(InputTemplate.Rendered input, int maxLength) {
        HuggingFaceTokenizer tokenizer = tokenizers.computeIfAbsent(maxLength, n -> newTokenizer(directory, n));
        Encoding encoding = input.second() == null
                ? tokenizer.encode(input.first(), true, false)
                : tokenizer.encode(input.first(), input.second(), true, false);
        boolean responseCutAway = false;
        if (encoding.exceedMaxLength() && input.context() != null) {
            // The response survived only if the whole text keeps more tokens than its context alone.
            Encoding context = tokenizer.encode(input.context(), true, false);
            responseCutAway = context.exceedMaxLength() || context.getIds().length >= encoding.getIds().length;
        }
        return new EncodedInput(encoding.getIds(), encoding.getTypeIds(), encoding.exceedMaxLength(), responseCutAway);
    }

    /**
     * Runs one padded batch.
     *
     * @return logits[row][label]
     * @throws OrtException when ONNX Runtime fails
     * @throws IllegalStateException when the output is not [rows, labels]
     */
    float[][] logits(List<EncodedInput> batch) throws OrtException {
        int rows = batch.size();
        int width = 1;
        for (EncodedInput input : batch) {
            width = Math.max(width, input.length());
        }
        long[] ids = new long[rows * width];
        long[] mask = new long[rows * width];
        long[] types = new long[rows * width];
        Arrays.fill(ids, directory.padTokenId());
        for (int r = 0; r < rows; r++) {
            EncodedInput input = batch.get(r);
            System.arraycopy(input.ids(), 0, ids, r * width, input.length());
            Arrays.fill(mask, r * width, r * width + input.length(), 1L);
            System.arraycopy(input.typeIds(), 0, types, r * width, input.length());
        }
        long[] shape = {rows, width};
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            feed.put(INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            feed.put(ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            if (feedsTokenTypeIds) {
                feed.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
            }
            try (OrtSession.Result result = session.run(feed, Set.of(outputName))) {
                OnnxValue value = result.get(outputName).orElseThrow(
                        () -> new IllegalStateException("model.onnx returned no '" + outputName + "'"));
                if (!(value instanceof OnnxTensor tensor)) {
                    throw new IllegalStateException("model.onnx output '" + outputName + "' is not a tensor");
                }
                return rowsOf(tensor, rows);
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private float[][] rowsOf(OnnxTensor tensor, int rows) {
        long[] shape = tensor.getInfo().getShape();
        if (shape.length != 2 || shape[0] != rows || shape[1] < 1 || (numLabels > 0 && shape[1] != numLabels)) {
            throw new IllegalStateException("model.onnx output '" + outputName + "' has shape " + Arrays.toString(shape)
                    + " for a batch of " + rows + "; expected [" + rows + ", " + (numLabels > 0 ? numLabels : "labels")
                    + "]");
        }
        int labels = (int) shape[1];
        float[][] out = new float[rows][labels];
        if (tensor.getInfo().type == OnnxJavaType.DOUBLE) {
            DoubleBuffer values = tensor.getDoubleBuffer();
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < labels; c++) {
                    out[r][c] = (float) values.get(r * labels + c);
                }
            }
        } else {
            FloatBuffer values = tensor.getFloatBuffer();
            for (int r = 0; r < rows; r++) {
                values.get(out[r]);
            }
        }
        return out;
    }

    private static HuggingFaceTokenizer newTokenizer(ModelDirectory directory, int maxLength) {
        Path file = directory.file(ModelDirectory.TOKENIZER_JSON);
        // modelMaxLength too: DJL silently caps maxLength at modelMaxLength (512 unless told).
        Map<String, String> options = Map.of("addSpecialTokens", "true", "truncation", "true", "padding", "false",
                "maxLength", Integer.toString(maxLength), "modelMaxLength", Integer.toString(maxLength));
        try {
            return HuggingFaceTokenizer.newInstance(file, options);
        } catch (IOException e) {
            throw ModelDirectory.invalid(directory.dir(), ModelDirectory.TOKENIZER_JSON, "cannot be read: " + e);
        } catch (RuntimeException e) {
            throw ModelDirectory.invalid(directory.dir(), ModelDirectory.TOKENIZER_JSON,
                    "is rejected by the Hugging Face tokenizers library: " + e.getMessage());
        }
    }

    private static String sha256(Path file) {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file),
                MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (IOException e) {
            throw ModelDirectory.invalid(file.getParent(), file.getFileName().toString(), "cannot be read: " + e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static String describeShape(long[] shape, String[] names) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ");
            boolean named = names != null && i < names.length && names[i] != null && !names[i].isEmpty();
            sb.append(shape[i] >= 0 ? Long.toString(shape[i]) : named ? names[i] : "?");
        }
        return sb.append(']').toString();
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException | RuntimeException ignored) {
            // Closing is best effort; the session is unusable either way.
        }
    }
}
