package dev.plumbline.engine.model;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import dev.plumbline.engine.model.checkpoint.CheckpointException;
import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A Llama-architecture decoder, as described by Hugging Face's {@code LlamaConfig} (config.json).
 *
 * @param headDim per-head width; {@code hidden_size / num_attention_heads} unless config.json says
 *     otherwise
 * @param bosTokenId {@code null} when the config has none
 * @param eosTokenIds end-of-sequence ids (config.json allows one id or a list)
 * @param padTokenId {@code null} when the config has none
 * @param torchDtype the dtype the checkpoint was stored in (informational: weights load as float32)
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        Long bosTokenId,
        List<Long> eosTokenIds,
        Long padTokenId,
        double initializerRange,
        String torchDtype) {

    private static final Set<String> SUPPORTED_MODEL_TYPES = Set.of("llama");

    public LlamaConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("head_dim", headDim);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new InvalidInputException("num_key_value_heads", "num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new InvalidInputException("head_dim", "rotary embeddings need an even head_dim, got " + headDim);
        }
        if (!(rmsNormEps > 0)) {
            throw new InvalidInputException("rms_norm_eps", "must be > 0, got " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new InvalidInputException("rope_theta", "must be > 0, got " + ropeTheta);
        }
        ropeScaling = ropeScaling == null ? RopeScaling.NONE : ropeScaling;
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
        torchDtype = torchDtype == null ? "float32" : torchDtype;
        for (Long id : eosTokenIds) {
            tokenId("eos_token_id", id, vocabSize);
        }
        tokenId("bos_token_id", bosTokenId, vocabSize);
        tokenId("pad_token_id", padTokenId, vocabSize);
    }

    /** A config with Hugging Face's defaults for everything but the sizes (tiny test models, new models). */
    public static LlamaConfig of(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads,
            int kvHeads, int maxPositionEmbeddings, boolean tieWordEmbeddings) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, hiddenSize / heads,
                maxPositionEmbeddings, 1e-6, 10000.0, RopeScaling.NONE, tieWordEmbeddings, null, List.of(), null,
                0.02, "float32");
    }

    public LlamaConfig withSpecialTokens(Long bos, List<Long> eos, Long pad) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling,
                tieWordEmbeddings, bos, eos, pad, initializerRange, torchDtype);
    }

    public LlamaConfig withRope(double theta, RopeScaling scaling) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, maxPositionEmbeddings, rmsNormEps, theta, scaling,
                tieWordEmbeddings, bosTokenId, eosTokenIds, padTokenId, initializerRange, torchDtype);
    }

    public LlamaConfig withRmsNormEps(double eps) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, maxPositionEmbeddings, eps, ropeTheta, ropeScaling,
                tieWordEmbeddings, bosTokenId, eosTokenIds, padTokenId, initializerRange, torchDtype);
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** Number of weights (tied embeddings counted once). */
    public long parameterCount() {
        long attention = (long) hiddenSize * headDim * (2L * numAttentionHeads + 2L * numKeyValueHeads);
        long mlp = 3L * hiddenSize * intermediateSize;
        long perLayer = attention + mlp + 2L * hiddenSize;
        long embeddings = (long) vocabSize * hiddenSize * (tieWordEmbeddings ? 1 : 2);
        return embeddings + perLayer * numHiddenLayers + hiddenSize;
    }

    /** Reads {@code config.json}; every problem names the file and the field. */
    public static LlamaConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, null, "config.json is missing");
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot read: " + e.getMessage(), e);
        }
        JsonElement root;
        try {
            root = StrictJson.parse(text);
        } catch (JsonParseException e) {
            throw new CheckpointException(file, null, "malformed JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) {
            throw new CheckpointException(file, null, "expected a JSON object");
        }
        try {
            return fromJson(root.getAsJsonObject());
        } catch (InvalidInputException e) {
            if (e instanceof CheckpointException) {
                throw e;
            }
            String message = e.getMessage().substring(e.field().length() + 2);
            throw new CheckpointException(file, e.field(), message, e);
        }
    }

    /** Parses a config object; problems throw {@link InvalidInputException} naming the field. */
    public static LlamaConfig fromJson(JsonObject json) {
        String modelType = optString(json, "model_type", null);
        if (modelType != null && !SUPPORTED_MODEL_TYPES.contains(modelType)) {
            throw new InvalidInputException("model_type", "'" + modelType
                    + "' is not supported; local models use the Llama architecture (model_type \"llama\")");
        }
        String act = optString(json, "hidden_act", "silu");
        if (!"silu".equals(act)) {
            throw new InvalidInputException("hidden_act", "only \"silu\" (SwiGLU) is supported, got \"" + act + "\"");
        }
        for (String bias : List.of("attention_bias", "mlp_bias")) {
            if (optBoolean(json, bias, false)) {
                throw new InvalidInputException(bias, "bias terms are not supported (Llama has none)");
            }
        }
        int hidden = requiredInt(json, "hidden_size");
        int heads = requiredInt(json, "num_attention_heads");
        int kvHeads = optInt(json, "num_key_value_heads", heads);
        if (heads <= 0) {
            throw new InvalidInputException("num_attention_heads", "must be > 0, got " + heads);
        }
        int headDim = optInt(json, "head_dim", hidden / heads);
        double theta = optDouble(json, "rope_theta", 10000.0);
        RopeScaling scaling = RopeScaling.NONE;
        JsonElement ropeParameters = json.get("rope_parameters");
        // transformers >= 4.56 writes rope_theta and the scaling type into rope_parameters.
        if (ropeParameters != null && ropeParameters.isJsonObject()) {
            JsonObject rp = ropeParameters.getAsJsonObject();
            theta = optDouble(rp, "rope_theta", theta);
            scaling = ropeScaling(rp, "rope_parameters");
        }
        JsonElement ropeScaling = json.get("rope_scaling");
        if (ropeScaling != null && !ropeScaling.isJsonNull()) {
            if (!ropeScaling.isJsonObject()) {
                throw new InvalidInputException("rope_scaling", "expected an object or null");
            }
            scaling = ropeScaling(ropeScaling.getAsJsonObject(), "rope_scaling");
        }
        return new LlamaConfig(
                requiredInt(json, "vocab_size"),
                hidden,
                requiredInt(json, "intermediate_size"),
                requiredInt(json, "num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                optInt(json, "max_position_embeddings", 2048),
                optDouble(json, "rms_norm_eps", 1e-6),
                theta,
                scaling,
                optBoolean(json, "tie_word_embeddings", false),
                optLong(json, "bos_token_id"),
                idList(json, "eos_token_id"),
                optLong(json, "pad_token_id"),
                optDouble(json, "initializer_range", 0.02),
                optString(json, "torch_dtype", optString(json, "dtype", "float32")));
    }

    /** config.json as transformers' LlamaForCausalLM writes it (weights are saved as float32). */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add("LlamaForCausalLM");
        o.add("architectures", architectures);
        o.addProperty("model_type", "llama");
        o.addProperty("attention_bias", false);
        o.addProperty("attention_dropout", 0.0);
        o.add("bos_token_id", bosTokenId == null ? JsonNull.INSTANCE : new JsonPrimitive(bosTokenId));
        if (eosTokenIds.isEmpty()) {
            o.add("eos_token_id", JsonNull.INSTANCE);
        } else if (eosTokenIds.size() == 1) {
            o.addProperty("eos_token_id", eosTokenIds.get(0));
        } else {
            JsonArray ids = new JsonArray();
            eosTokenIds.forEach(ids::add);
            o.add("eos_token_id", ids);
        }
        o.add("pad_token_id", padTokenId == null ? JsonNull.INSTANCE : new JsonPrimitive(padTokenId));
        o.addProperty("head_dim", headDim);
        o.addProperty("hidden_act", "silu");
        o.addProperty("hidden_size", hiddenSize);
        o.addProperty("initializer_range", initializerRange);
        o.addProperty("intermediate_size", intermediateSize);
        o.addProperty("max_position_embeddings", maxPositionEmbeddings);
        o.addProperty("mlp_bias", false);
        o.addProperty("num_attention_heads", numAttentionHeads);
        o.addProperty("num_hidden_layers", numHiddenLayers);
        o.addProperty("num_key_value_heads", numKeyValueHeads);
        o.addProperty("pretraining_tp", 1);
        o.addProperty("rms_norm_eps", rmsNormEps);
        if (ropeScaling.isDefault()) {
            o.add("rope_scaling", JsonNull.INSTANCE);
        } else {
            JsonObject s = new JsonObject();
            s.addProperty("rope_type", ropeScaling.type());
            s.addProperty("factor", ropeScaling.factor());
            if ("llama3".equals(ropeScaling.type())) {
                s.addProperty("low_freq_factor", ropeScaling.lowFreqFactor());
                s.addProperty("high_freq_factor", ropeScaling.highFreqFactor());
                s.addProperty("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
            }
            o.add("rope_scaling", s);
        }
        o.addProperty("rope_theta", ropeTheta);
        o.addProperty("tie_word_embeddings", tieWordEmbeddings);
        o.addProperty("torch_dtype", "float32");
        o.addProperty("use_cache", true);
        o.addProperty("vocab_size", vocabSize);
        return o;
    }

    public String toJsonString() {
        return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(toJson()) + "\n";
    }

    private static RopeScaling ropeScaling(JsonObject s, String field) {
        String type = optString(s, "rope_type", optString(s, "type", "default"));
        switch (type) {
            case "default":
                return RopeScaling.NONE;
            case "linear":
                return RopeScaling.linear(requiredDouble(s, "factor", field));
            case "llama3":
                return RopeScaling.llama3(requiredDouble(s, "factor", field),
                        requiredDouble(s, "low_freq_factor", field), requiredDouble(s, "high_freq_factor", field),
                        (int) requiredDouble(s, "original_max_position_embeddings", field));
            default:
                throw new InvalidInputException(field + ".rope_type", "'" + type
                        + "' is not supported (supported: default, linear, llama3)");
        }
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new InvalidInputException(field, "must be > 0, got " + value);
        }
    }

    private static void tokenId(String field, Long id, int vocabSize) {
        if (id != null && (id < 0 || id >= vocabSize)) {
            throw new InvalidInputException(field, id + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }

    private static JsonPrimitive primitive(JsonObject json, String field) {
        JsonElement e = json.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive()) {
            throw new InvalidInputException(field, "expected a scalar, got " + e);
        }
        return e.getAsJsonPrimitive();
    }

    private static int requiredInt(JsonObject json, String field) {
        JsonPrimitive p = primitive(json, field);
        if (p == null) {
            throw new InvalidInputException(field, "is required");
        }
        return toInt(p, field);
    }

    private static int optInt(JsonObject json, String field, int fallback) {
        JsonPrimitive p = primitive(json, field);
        return p == null ? fallback : toInt(p, field);
    }

    private static Long optLong(JsonObject json, String field) {
        JsonPrimitive p = primitive(json, field);
        return p == null ? null : (long) toInt(p, field);
    }

    private static int toInt(JsonPrimitive p, String field) {
        if (!p.isNumber()) {
            throw new InvalidInputException(field, "expected an integer, got " + p);
        }
        double d = p.getAsDouble();
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new InvalidInputException(field, "expected an integer, got " + p);
        }
        return (int) d;
    }

    private static double requiredDouble(JsonObject json, String field, String parent) {
        JsonPrimitive p = primitive(json, field);
        if (p == null || !p.isNumber()) {
            throw new InvalidInputException(parent + "." + field, p == null ? "is required" : "expected a number, got " + p);
        }
        return p.getAsDouble();
    }

    private static double optDouble(JsonObject json, String field, double fallback) {
        JsonPrimitive p = primitive(json, field);
        if (p == null) {
            return fallback;
        }
        if (!p.isNumber()) {
            throw new InvalidInputException(field, "expected a number, got " + p);
        }
        return p.getAsDouble();
    }

    private static boolean optBoolean(JsonObject json, String field, boolean fallback) {
        JsonPrimitive p = primitive(json, field);
        if (p == null) {
            return fallback;
        }
        if (!p.isBoolean()) {
            throw new InvalidInputException(field, "expected true or false, got " + p);
        }
        return p.getAsBoolean();
    }

    private static String optString(JsonObject json, String field, String fallback) {
        JsonPrimitive p = primitive(json, field);
        if (p == null) {
            return fallback;
        }
        if (!p.isString()) {
            throw new InvalidInputException(field, "expected a string, got " + p);
        }
        return p.getAsString();
    }

    private static List<Long> idList(JsonObject json, String field) {
        JsonElement e = json.get(field);
        if (e == null || e.isJsonNull()) {
            return List.of();
        }
        List<Long> ids = new ArrayList<>();
        if (e.isJsonArray()) {
            int i = 0;
            for (JsonElement item : e.getAsJsonArray()) {
                if (!item.isJsonPrimitive()) {
                    throw new InvalidInputException(field + "[" + i + "]", "expected an integer, got " + item);
                }
                ids.add((long) toInt(item.getAsJsonPrimitive(), field + "[" + i + "]"));
                i++;
            }
        } else if (e.isJsonPrimitive()) {
            ids.add((long) toInt(e.getAsJsonPrimitive(), field));
        } else {
            throw new InvalidInputException(field, "expected an integer or a list of integers, got " + e);
        }
        return ids;
    }
}
