package dev.plumbline.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.plumbline.engine.model.RotaryEmbedding.Rotation;
import dev.plumbline.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A Llama-architecture decoder-only transformer (transformers' {@code LlamaForCausalLM}) written
 * with plain DJL {@link NDArray} operations, so PyTorch autograd differentiates every forward.
 *
 * <p>Weights are float32 arrays named exactly as in Hugging Face checkpoints and owned by this
 * model's {@link NDManager}. Every forward result lives in the manager of the input ids, so callers
 * free a step by closing the manager they created the ids in.
 *
 * <p>Not thread-safe for mutation (training); concurrent forwards over unchanging weights are fine.
 */
public final class LlamaModel implements AutoCloseable {

    public static final String EMBED_TOKENS = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    private final LlamaConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;
    private final NDArray embedTokens;
    private final NDArray lmHead;
    private final RmsNorm finalNorm;
    private final List<DecoderLayer> layers;
    private final RotaryEmbedding rope;
    private final boolean ownsRope;

    private LlamaModel(LlamaConfig config, NDManager manager, Map<String, NDArray> parameters, RotaryEmbedding rope,
            boolean ownsRope) {
        this.config = config;
        this.manager = manager;
        this.parameters = Collections.unmodifiableMap(parameters);
        this.rope = rope;
        this.ownsRope = ownsRope;
        this.embedTokens = parameters.get(EMBED_TOKENS);
        this.lmHead = config.tieWordEmbeddings() ? embedTokens : parameters.get(LM_HEAD);
        this.finalNorm = new RmsNorm(parameters.get(FINAL_NORM), config.rmsNormEps());
        List<DecoderLayer> built = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            GroupedQueryAttention attention = new GroupedQueryAttention(config,
                    parameters.get(p + "self_attn.q_proj.weight"), parameters.get(p + "self_attn.k_proj.weight"),
                    parameters.get(p + "self_attn.v_proj.weight"), parameters.get(p + "self_attn.o_proj.weight"));
            SwiGluMlp mlp = new SwiGluMlp(parameters.get(p + "mlp.gate_proj.weight"),
                    parameters.get(p + "mlp.up_proj.weight"), parameters.get(p + "mlp.down_proj.weight"));
            built.add(new DecoderLayer(i,
                    new RmsNorm(parameters.get(p + "input_layernorm.weight"), config.rmsNormEps()), attention,
                    new RmsNorm(parameters.get(p + "post_attention_layernorm.weight"), config.rmsNormEps()), mlp));
        }
        this.layers = List.copyOf(built);
    }

    /**
     * Every weight tensor's name and shape, in checkpoint order. {@code lm_head.weight} is absent
     * when the embeddings are tied.
     */
    public static Map<String, Shape> expectedShapes(LlamaConfig c) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long qOut = (long) c.numAttentionHeads() * c.headDim();
        long kvOut = (long) c.numKeyValueHeads() * c.headDim();
        shapes.put(EMBED_TOKENS, new Shape(c.vocabSize(), h));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "self_attn.q_proj.weight", new Shape(qOut, h));
            shapes.put(p + "self_attn.k_proj.weight", new Shape(kvOut, h));
            shapes.put(p + "self_attn.v_proj.weight", new Shape(kvOut, h));
            shapes.put(p + "self_attn.o_proj.weight", new Shape(h, qOut));
            shapes.put(p + "mlp.gate_proj.weight", new Shape(c.intermediateSize(), h));
            shapes.put(p + "mlp.up_proj.weight", new Shape(c.intermediateSize(), h));
            shapes.put(p + "mlp.down_proj.weight", new Shape(h, c.intermediateSize()));
            shapes.put(p + "input_layernorm.weight", new Shape(h));
            shapes.put(p + "post_attention_layernorm.weight", new Shape(h));
        }
        shapes.put(FINAL_NORM, new Shape(h));
        if (!c.tieWordEmbeddings()) {
            shapes.put(LM_HEAD, new Shape(c.vocabSize(), h));
        }
        return shapes;
    }

    /**
     * True for RMSNorm weights (excluded from weight decay, initialised to one), also under a prefix
     * (e.g. PPO's {@code value_model.model.norm.weight}).
     */
    public static boolean isNormWeight(String name) {
        return name.endsWith("layernorm.weight") || name.equals(FINAL_NORM) || name.endsWith("." + FINAL_NORM);
    }

    /**
     * Builds a model from float32 weights named as in {@link #expectedShapes}; takes ownership of
     * the arrays (they move to the model's manager). Extra names are rejected.
     */
    public static LlamaModel fromWeights(LlamaConfig config, Map<String, NDArray> weights, NDManager parent) {
        Map<String, Shape> expected = expectedShapes(config);
        for (String name : weights.keySet()) {
            if (!expected.containsKey(name)) {
                throw new InvalidInputException("weights." + name, "not a weight of this Llama config");
            }
        }
        NDManager manager = parent.newSubManager();
        Map<String, NDArray> ordered = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                NDArray w = weights.get(e.getKey());
                if (w == null) {
                    throw new InvalidInputException("weights." + e.getKey(), "missing");
                }
                if (!w.getShape().equals(e.getValue())) {
                    throw new InvalidInputException("weights." + e.getKey(),
                            "expected shape " + e.getValue() + ", got " + w.getShape());
                }
                if (w.getDataType() != DataType.FLOAT32) {
                    throw new InvalidInputException("weights." + e.getKey(), "expected float32, got " + w.getDataType());
                }
                w.attach(manager);
                ordered.put(e.getKey(), w);
            }
            return new LlamaModel(config, manager, ordered, new RotaryEmbedding(config, manager), true);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A freshly initialised model as transformers initialises Llama: weights ~ N(0, initializer_range),
     * RMSNorm weights one. Drawn on the host from {@code seed}, so identical on every engine.
     */
    public static LlamaModel initialize(LlamaConfig config, long seed, NDManager parent) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, NDArray> weights = new LinkedHashMap<>();
        NDManager staging = parent.newSubManager();
        try {
            for (Map.Entry<String, Shape> e : expectedShapes(config).entrySet()) {
                float[] values = new float[Math.toIntExact(e.getValue().size())];
                if (isNormWeight(e.getKey())) {
                    java.util.Arrays.fill(values, 1f);
                } else {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (random.nextGaussian() * config.initializerRange());
                    }
                }
                weights.put(e.getKey(), staging.create(values, e.getValue()));
            }
            return fromWeights(config, weights, parent);
        } finally {
            staging.close();
        }
    }

    public LlamaConfig config() {
        return config;
    }

    /** The model's manager: parameters and rotary tables live here. */
    public NDManager manager() {
        return manager;
    }

    /**
     * The trainable weights by checkpoint name, in checkpoint order. With tied embeddings the
     * single shared matrix appears once, as {@value #EMBED_TOKENS}.
     */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Turns gradient recording on or off for every weight (on for training). */
    public void setRequiresGradient(boolean requiresGradient) {
        for (NDArray p : parameters.values()) {
            p.setRequiresGradient(requiresGradient);
        }
    }

    /**
     * A view of this model whose weights share storage but never record gradients: generation
     * with a model under training (rollouts) must not build autograd graphs, and PyTorch's grad
     * mode is per thread (on by default outside the engine's first thread). Close the view when
     * done; that frees only its handles.
     */
    public LlamaModel detached() {
        NDManager viewManager = manager.newSubManager();
        Map<String, NDArray> views = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            NDArray view = e.getValue().stopGradient();
            view.attach(viewManager);
            views.put(e.getKey(), view);
        }
        return new LlamaModel(config, viewManager, views, rope, false);
    }

    /**
     * Logits {@code [B, T, vocab]} for a padded batch.
     *
     * @param inputIds {@code [B, T]} int64
     * @param attentionMask {@code [B, T]}, 1 for tokens and 0 for padding (left or right); positions
     *     count real tokens only, as transformers does
     */
    public NDArray forward(NDArray inputIds, NDArray attentionMask) {
        return logits(hiddenStates(inputIds, attentionMask, positionIds(attentionMask), null));
    }

    /**
     * Final-norm hidden states {@code [B, T, hidden]}.
     *
     * @param attentionMask {@code [B, S]} over all keys: {@code S = T} without a cache,
     *     {@code S = cache.length() + T} with one
     * @param positionIds {@code [B, T]} int64 rotary positions
     * @param cache appended to (and advanced by {@code T}) when not {@code null}
     */
    public NDArray hiddenStates(NDArray inputIds, NDArray attentionMask, NDArray positionIds, KvCache cache) {
        Shape shape = inputIds.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("input ids must be [batch, length], got " + shape);
        }
        int t = (int) shape.get(1);
        int past = cache == null ? 0 : cache.length();
        NDArray ids = inputIds.getDataType() == DataType.INT64 ? inputIds : inputIds.toType(DataType.INT64, false);
        NDArray positions = positionIds.getDataType() == DataType.INT64 ? positionIds
                : positionIds.toType(DataType.INT64, false);
        NDArray x = ids.getNDArrayInternal().embedding(ids, embedTokens, SparseFormat.DENSE).singletonOrThrow();
        Rotation rotation = rope.at(positions);
        NDArray bias = AttentionMask.causalBias(attentionMask, past, t);
        for (DecoderLayer layer : layers) {
            x = layer.apply(x, rotation, rope, bias, cache);
        }
        if (cache != null) {
            cache.advance(t);
        }
        return finalNorm.apply(x);
    }

    /** Projects hidden states {@code [..., hidden]} to vocabulary logits {@code [..., vocab]}. */
    public NDArray logits(NDArray hidden) {
        return Linear.apply(hidden, lmHead);
    }

    /** Rotary positions for a mask: the count of real tokens before each one (pads get 0). */
    public static NDArray positionIds(NDArray attentionMask) {
        NDArray mask = attentionMask.toType(DataType.INT64, false);
        return mask.cumSum(1).sub(1L).maximum(0L).toType(DataType.INT64, false);
    }

    /** An empty KV cache for {@code batchSize} rows and {@code capacity} slots, living in {@code manager}. */
    public KvCache newCache(NDManager manager, int batchSize, int capacity) {
        return new KvCache(manager, config, batchSize, capacity);
    }

    @Override
    public void close() {
        if (ownsRope) {
            rope.close();
        }
        manager.close();
    }
}
