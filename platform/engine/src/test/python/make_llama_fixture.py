#!/usr/bin/python3
"""Reference Llama fixtures for the Java parity tests (LlamaParityTest).

An independent PyTorch implementation of transformers' LlamaForCausalLM forward
(modeling_llama: RMSNorm, rotate_half rotary embeddings incl. linear/llama3 scaling,
repeat_kv grouped-query attention, SwiGLU MLP, tied or untied lm_head), written
here without transformers so it runs on Debian's python3-torch.

  make_llama_fixture.py fixtures OUT_DIR
      builds random tiny models, writes OUT_DIR/<variant>/{config.json, model.safetensors,
      reference.safetensors}; reference holds input_ids_i, logits_i (float32 [1, T, V])
      and greedy_i (int64 [N], greedy continuation without a cache).
  make_llama_fixture.py logits CHECKPOINT_DIR IDS OUT_FILE
      loads a checkpoint (e.g. written by Java), runs IDS ("1,2,3;4,5" = two sequences)
      and writes logits_i to OUT_FILE as safetensors.

Run with /usr/bin/python3 (the interpreter that has torch).
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

GREEDY_TOKENS = 8

# ----------------------------------------------------------------------------- safetensors

DTYPES = {
    "F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2),
    "F64": (torch.float64, 8), "I64": (torch.int64, 8), "I32": (torch.int32, 4),
}
NAMES = {v[0]: k for k, v in DTYPES.items()}


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype == torch.bfloat16:
            data = t.view(torch.int16).numpy().tobytes()
        else:
            data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, size = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        chunk = bytearray(data[begin:end])
        if dtype == torch.bfloat16:
            t = torch.frombuffer(chunk, dtype=torch.int16).view(torch.bfloat16)
        else:
            t = torch.frombuffer(chunk, dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
    return out

# ----------------------------------------------------------------------------- model


def inv_frequencies(cfg):
    dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    scaling = cfg.get("rope_scaling") or {}
    kind = scaling.get("rope_type", scaling.get("type", "default"))
    if kind == "linear":
        inv = inv / scaling["factor"]
    elif kind == "llama3":
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        inv = torch.where(medium, smoothed, scaled)
    elif kind != "default":
        raise ValueError(kind)
    return inv


def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def repeat_kv(x, n_rep):
    b, h, t, d = x.shape
    if n_rep == 1:
        return x
    return x[:, :, None, :, :].expand(b, h, n_rep, t, d).reshape(b, h * n_rep, t, d)


def forward(cfg, w, ids):
    """Logits [B, T, V] for unpadded ids [B, T] (float32 throughout)."""
    heads = cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads") or heads
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // heads
    eps = cfg["rms_norm_eps"]
    b, t = ids.shape
    h = F.embedding(ids, w["model.embed_tokens.weight"])
    positions = torch.arange(t)[None, :].expand(b, t)
    freqs = (inv_frequencies(cfg)[None, :, None] @ positions[:, None, :].float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]
    mask = torch.full((t, t), torch.finfo(torch.float32).min).triu(1)[None, None]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        x = rms_norm(h, w[p + "input_layernorm.weight"], eps)
        q = F.linear(x, w[p + "self_attn.q_proj.weight"]).view(b, t, heads, head_dim).transpose(1, 2)
        k = F.linear(x, w[p + "self_attn.k_proj.weight"]).view(b, t, kv_heads, head_dim).transpose(1, 2)
        v = F.linear(x, w[p + "self_attn.v_proj.weight"]).view(b, t, kv_heads, head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = repeat_kv(k, heads // kv_heads), repeat_kv(v, heads // kv_heads)
        scores = torch.matmul(q, k.transpose(2, 3)) * head_dim ** -0.5 + mask
        probs = F.softmax(scores, dim=-1, dtype=torch.float32)
        attn = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, heads * head_dim)
        h = h + F.linear(attn, w[p + "self_attn.o_proj.weight"])
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
        gate = F.linear(x, w[p + "mlp.gate_proj.weight"])
        up = F.linear(x, w[p + "mlp.up_proj.weight"])
        h = h + F.linear(F.silu(gate) * up, w[p + "mlp.down_proj.weight"])
    h = rms_norm(h, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
    return F.linear(h, head)


def greedy(cfg, w, prompt, n):
    ids = prompt.clone()
    for _ in range(n):
        nxt = forward(cfg, w, ids)[:, -1].argmax(-1, keepdim=True)
        ids = torch.cat((ids, nxt), dim=1)
    return ids[0, prompt.shape[1]:]

# ----------------------------------------------------------------------------- fixtures


def random_weights(cfg, gen):
    hidden, inter = cfg["hidden_size"], cfg["intermediate_size"]
    heads = cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads") or heads
    head_dim = cfg.get("head_dim") or hidden // heads

    def lin(out, inp):
        return torch.randn(out, inp, generator=gen) / math.sqrt(inp)

    def norm():
        # Not all ones, so a forgotten norm weight shows up in the logits.
        return 1.0 + 0.2 * torch.randn(hidden, generator=gen)

    w = {"model.embed_tokens.weight": torch.randn(cfg["vocab_size"], hidden, generator=gen)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "self_attn.q_proj.weight"] = lin(heads * head_dim, hidden)
        w[p + "self_attn.k_proj.weight"] = lin(kv_heads * head_dim, hidden)
        w[p + "self_attn.v_proj.weight"] = lin(kv_heads * head_dim, hidden)
        w[p + "self_attn.o_proj.weight"] = lin(hidden, heads * head_dim)
        w[p + "mlp.gate_proj.weight"] = lin(inter, hidden)
        w[p + "mlp.up_proj.weight"] = lin(inter, hidden)
        w[p + "mlp.down_proj.weight"] = lin(hidden, inter)
        w[p + "input_layernorm.weight"] = norm()
        w[p + "post_attention_layernorm.weight"] = norm()
    w["model.norm.weight"] = norm()
    if not cfg.get("tie_word_embeddings"):
        w["lm_head.weight"] = 3.0 * lin(cfg["vocab_size"], hidden)
    return w


def base_config(**kw):
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
           "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "max_position_embeddings": 64,
           "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "rope_scaling": None,
           "tie_word_embeddings": False, "torch_dtype": "float32", "attention_bias": False}
    cfg.update(kw)
    return cfg


VARIANTS = {
    # grouped-query attention (4 query heads share 2 kv heads), untied head, float32 storage
    "gqa-f32": (base_config(vocab_size=96, hidden_size=64, intermediate_size=112, num_hidden_layers=2,
                            num_attention_heads=4, num_key_value_heads=2), "F32"),
    # multi-head, tied embeddings, llama3 rope scaling, bf16 weights with f16 norms
    "tied-llama3-bf16": (base_config(vocab_size=80, hidden_size=48, intermediate_size=80,
                                     num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=4,
                                     tie_word_embeddings=True, rope_theta=500000.0, rms_norm_eps=1e-6,
                                     torch_dtype="bfloat16",
                                     rope_scaling={"rope_type": "llama3", "factor": 4.0,
                                                   "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                   "original_max_position_embeddings": 16}), "BF16"),
    # one kv head (multi-query), explicit head_dim != hidden/heads, linear rope scaling, float16 storage
    "mqa-headdim-f16": (base_config(vocab_size=70, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                    num_attention_heads=4, num_key_value_heads=1, head_dim=16,
                                    rope_theta=1000.0, torch_dtype="float16",
                                    rope_scaling={"type": "linear", "factor": 2.0}), "F16"),
}

PROMPTS = [[1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41], [1, 7, 3, 50, 11]]


def store(w, dtype):
    out = {}
    for name, t in w.items():
        if dtype == "BF16":
            out[name] = t.to(torch.float16 if "norm" in name else torch.bfloat16)
        elif dtype == "F16":
            out[name] = t.to(torch.float16)
        else:
            out[name] = t
    return out


def fixtures(out_dir):
    for i, (name, (cfg, dtype)) in enumerate(sorted(VARIANTS.items())):
        gen = torch.Generator().manual_seed(1234 + i)
        stored = store(random_weights(cfg, gen), dtype)
        # The reference runs on exactly the stored (rounded) values, in float32.
        w = {k: v.float() for k, v in stored.items()}
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        write_safetensors(os.path.join(d, "model.safetensors"), stored)
        ref = {}
        with torch.no_grad():
            for j, prompt in enumerate(PROMPTS):
                ids = torch.tensor([prompt], dtype=torch.int64)
                ref[f"input_ids_{j}"] = ids
                ref[f"logits_{j}"] = forward(cfg, w, ids)
                ref[f"greedy_{j}"] = greedy(cfg, w, ids, GREEDY_TOKENS)
        write_safetensors(os.path.join(d, "reference.safetensors"), ref)


def logits(checkpoint_dir, ids_spec, out_file):
    with open(os.path.join(checkpoint_dir, "config.json")) as f:
        cfg = json.load(f)
    w = {k: v.float() for k, v in read_safetensors(os.path.join(checkpoint_dir, "model.safetensors")).items()}
    out = {}
    with torch.no_grad():
        for j, seq in enumerate(ids_spec.split(";")):
            ids = torch.tensor([[int(x) for x in seq.split(",")]], dtype=torch.int64)
            out[f"logits_{j}"] = forward(cfg, w, ids)
    write_safetensors(out_file, out)


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) == 3 and sys.argv[1] == "fixtures":
        fixtures(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "logits":
        logits(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
