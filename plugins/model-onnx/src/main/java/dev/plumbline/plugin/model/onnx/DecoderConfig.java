package dev.plumbline.plugin.model.onnx;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * What this provider needs from a Hugging Face {@code config.json}. Llama-style names are read
 * first, GPT-2's ({@code n_layer}, {@code n_head}, {@code n_embd}, {@code n_positions}) as
 * fallbacks, since Optimum exports both families with the same graph signature.
 *
 * @param modelType {@code model_type}, or {@code unknown}
 * @param numKeyValueHeads heads of the KV cache ({@code num_key_value_heads}, default: all heads)
 * @param headDim {@code head_dim}, default {@code hidden_size / num_attention_heads}
 * @param vocabSize {@code vocab_size} when given (the graph's logits decide otherwise)
 * @param maxPositionEmbeddings the context length: prompt plus generated tokens
 * @param bosTokenId {@code bos_token_id} or {@code null}
 * @param eosTokenIds {@code eos_token_id}: one id or a list (Llama 3 lists several)
 */
record DecoderConfig(String modelType, int numHiddenLayers, int numAttentionHeads, int numKeyValueHeads,
        int headDim, OptionalInt vocabSize, int maxPositionEmbeddings, Long bosTokenId, List<Long> eosTokenIds) {

    static final String FILE = "config.json";

    DecoderConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Reads and checks {@code file}; every error names the file and the field. */
    static DecoderConfig read(Path file) {
        JsonObject json = JsonFiles.readObject(file);
        String modelType = JsonFiles.string(file, json, "model_type");
        int layers = required(file, json, "num_hidden_layers", "n_layer");
        int heads = required(file, json, "num_attention_heads", "n_head");
        Long kv = JsonFiles.integer(file, json, "num_key_value_heads");
        int kvHeads = kv == null ? heads : positive(file, "num_key_value_heads", kv);
        if (heads % kvHeads != 0) {
            throw new ModelFileException(file, "num_key_value_heads", kvHeads + " does not divide num_attention_heads "
                    + heads);
        }
        Long explicitHeadDim = JsonFiles.integer(file, json, "head_dim");
        int headDim;
        if (explicitHeadDim != null) {
            headDim = positive(file, "head_dim", explicitHeadDim);
        } else {
            int hidden = required(file, json, "hidden_size", "n_embd");
            if (hidden % heads != 0) {
                throw new ModelFileException(file, "hidden_size", hidden + " is not a multiple of num_attention_heads "
                        + heads + " and there is no head_dim");
            }
            headDim = hidden / heads;
        }
        Long vocab = JsonFiles.integer(file, json, "vocab_size");
        int context = required(file, json, "max_position_embeddings", "n_positions");
        Long bos = JsonFiles.integer(file, json, "bos_token_id");
        return new DecoderConfig(modelType == null ? "unknown" : modelType, layers, heads, kvHeads, headDim,
                vocab == null ? OptionalInt.empty() : OptionalInt.of(positive(file, "vocab_size", vocab)), context,
                bos, eosIds(file, json));
    }

    private static int required(Path file, JsonObject json, String name, String gpt2Name) {
        String present = json.has(name) ? name : json.has(gpt2Name) ? gpt2Name : null;
        Long value = present == null ? null : JsonFiles.integer(file, json, present);
        if (value == null) {
            throw new ModelFileException(file, name, "is missing; the provider needs it to run the graph (GPT-2-style configs call it "
                    + gpt2Name + ")");
        }
        return positive(file, present, value);
    }

    private static int positive(Path file, String name, long value) {
        if (value < 1) {
            throw new ModelFileException(file, name, "must be at least 1, got " + value);
        }
        return (int) value;
    }

    private static List<Long> eosIds(Path file, JsonObject json) {
        JsonElement e = JsonFiles.optional(json, "eos_token_id");
        if (e == null) {
            return List.of();
        }
        if (e instanceof JsonArray array) {
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) {
                ids.add(JsonFiles.integer(file, "eos_token_id[" + i + "]", array.get(i)));
            }
            return ids;
        }
        return List.of(JsonFiles.integer(file, "eos_token_id", e));
    }
}
