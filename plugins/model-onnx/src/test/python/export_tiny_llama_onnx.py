#!/usr/bin/python3
"""Exports a tiny random Llama-style decoder to ONNX in Hugging Face Optimum's layout.

Usage: /usr/bin/python3 export_tiny_llama_onnx.py OUT_DIR

Nothing is downloaded; everything is built here with Debian's python3-torch:
  OUT_DIR/with-past/  model.onnx  inputs  input_ids, attention_mask, position_ids,
                                          past_key_values.{i}.key / .value  [batch, kv_heads, past, head_dim]
                                  outputs logits [batch, seq, vocab], present.{i}.key / .value
                      config.json, tokenizer.json, tokenizer_config.json (Plumbline chat template)
  OUT_DIR/no-past/    the same weights exported without a KV cache and without position_ids
                      (inputs input_ids, attention_mask; output logits), like Optimum's "text-generation"
  OUT_DIR/reference.json  token ids computed here, PyTorch logits, greedy continuations
  OUT_DIR/unsupported/{extra-input,float16-past}.onnx  graphs the provider must refuse with a clear error:
                      an input it cannot feed (use_cache_branch, as old merged exports have) and a float16 cache

The model follows transformers' LlamaForCausalLM (as platform/engine/src/test/python/make_llama_fixture.py):
RMSNorm, rotate_half rotary embeddings, grouped-query attention, SwiGLU MLP, untied LM head. The
tokenizer is byte-level: ids 0-255 are UTF-8 bytes, then 7 special tokens, the same vocabulary as the
engine's ByteTokenizer, so prompt ids are computed here by hand and compared with what Java encodes.
"""
import json
import math
import os
import sys
import warnings

import torch
import torch.nn.functional as F
from torch import nn

SPECIALS = ["<pad>", "<bos>", "<eos>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
PAD, BOS, EOS, SYSTEM, USER, ASSISTANT, END = range(256, 256 + len(SPECIALS))
VOCAB = 256 + len(SPECIALS)

CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
    "vocab_size": VOCAB, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "max_position_embeddings": 64,
    "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": False,
    "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD, "torch_dtype": "float32",
    "use_cache": True,
}

PLUMBLINE_JINJA = ("{% for message in messages %}"
                   "{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}"
                   "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}")

COMPLETE_PROMPTS = ["The capital of France is", "Once upon a time, in a small village", "ONNX ü"]
CHAT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of Peru?"}]
SCORED = {"messages": [{"role": "user", "content": "Hi"}], "completion": "Hello there"}
GREEDY_TOKENS = 12
SEED = 20251107


class TinyLlama(nn.Module):
    def __init__(self, cfg, gen):
        super().__init__()
        self.cfg = cfg
        hidden, inter, heads = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_attention_heads"]
        kv_heads, head_dim = cfg["num_key_value_heads"], cfg["head_dim"]

        def lin(out, inp, scale=1.0):
            return nn.Parameter(scale * torch.randn(out, inp, generator=gen) / math.sqrt(inp))

        def norm():
            # Not all ones, so a norm weight lost in the export would show in the logits.
            return nn.Parameter(1.0 + 0.2 * torch.randn(hidden, generator=gen))

        self.embed = nn.Parameter(torch.randn(VOCAB, hidden, generator=gen))
        self.layers = nn.ModuleList()
        for _ in range(cfg["num_hidden_layers"]):
            layer = nn.Module()
            layer.q, layer.k = lin(heads * head_dim, hidden), lin(kv_heads * head_dim, hidden)
            layer.v, layer.o = lin(kv_heads * head_dim, hidden), lin(hidden, heads * head_dim)
            layer.gate, layer.up, layer.down = lin(inter, hidden), lin(inter, hidden), lin(hidden, inter)
            layer.input_norm, layer.post_norm = norm(), norm()
            self.layers.append(layer)
        self.norm = norm()
        # A wide logit spread keeps greedy choices far from ties, so float noise cannot flip them.
        self.lm_head = lin(VOCAB, hidden, scale=3.0)
        inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, head_dim, 2).float() / head_dim))
        self.register_buffer("inv_freq", inv, persistent=False)

    def rms_norm(self, x, weight):
        return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.cfg["rms_norm_eps"]))

    @staticmethod
    def rotate_half(x):
        half = x.shape[-1] // 2
        return torch.cat((-x[..., half:], x[..., :half]), dim=-1)

    def forward(self, input_ids, attention_mask, position_ids, past):
        """past: a list of (key, value) [B, kv_heads, P, head_dim] per layer; returns logits and presents."""
        cfg = self.cfg
        heads, kv_heads, head_dim = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
        b, t = input_ids.shape
        total = attention_mask.shape[1]
        h = F.embedding(input_ids, self.embed)
        freqs = position_ids[:, :, None].float() * self.inv_freq[None, None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]
        # Query i sits at absolute index total - t + i; it sees keys up to there that the mask keeps.
        query_at = torch.arange(t)[:, None] + (total - t)
        key_at = torch.arange(total)[None, :]
        allowed = (key_at <= query_at)[None, None] & (attention_mask[:, None, None, :] > 0)
        bias = torch.zeros(allowed.shape).masked_fill(~allowed, torch.finfo(torch.float32).min)
        presents = []
        for i, layer in enumerate(self.layers):
            x = self.rms_norm(h, layer.input_norm)
            q = F.linear(x, layer.q).view(b, t, heads, head_dim).transpose(1, 2)
            k = F.linear(x, layer.k).view(b, t, kv_heads, head_dim).transpose(1, 2)
            v = F.linear(x, layer.v).view(b, t, kv_heads, head_dim).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            if past is not None:
                k = torch.cat((past[i][0], k), dim=2)
                v = torch.cat((past[i][1], v), dim=2)
            presents.append((k, v))
            rep = heads // kv_heads
            k = k[:, :, None].expand(b, kv_heads, rep, total, head_dim).reshape(b, heads, total, head_dim)
            v = v[:, :, None].expand(b, kv_heads, rep, total, head_dim).reshape(b, heads, total, head_dim)
            scores = torch.matmul(q, k.transpose(2, 3)) * head_dim ** -0.5 + bias
            attn = torch.matmul(F.softmax(scores, dim=-1), v).transpose(1, 2).reshape(b, t, heads * head_dim)
            h = h + F.linear(attn, layer.o)
            x = self.rms_norm(h, layer.post_norm)
            h = h + F.linear(F.silu(F.linear(x, layer.gate)) * F.linear(x, layer.up), layer.down)
        return F.linear(self.rms_norm(h, self.norm), self.lm_head), presents

    def logits(self, ids):
        """Reference logits [T, V] of one unpadded sequence, without a cache."""
        input_ids = torch.tensor([ids], dtype=torch.long)
        return self(input_ids, torch.ones_like(input_ids), torch.arange(len(ids))[None], None)[0][0]


class WithPast(nn.Module):
    """Optimum's "text-generation-with-past" signature."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.model(input_ids, attention_mask, position_ids, past)
        return (logits,) + tuple(t for kv in presents for t in kv)


class NoPast(nn.Module):
    """Optimum's "text-generation" signature; positions come from the mask as in transformers."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
        return self.model(input_ids, attention_mask, position_ids, None)[0]


def export(model, out_dir):
    layers = CONFIG["num_hidden_layers"]
    kv_heads, head_dim = CONFIG["num_key_value_heads"], CONFIG["head_dim"]
    # Example inputs with a non-empty past, so no dimension is specialised to a constant.
    ids = torch.tensor([[BOS, 72, 105]], dtype=torch.long)
    past_len = 2
    past = [torch.randn(1, kv_heads, past_len, head_dim) for _ in range(2 * layers)]
    mask = torch.ones(1, past_len + 3, dtype=torch.long)
    positions = torch.arange(past_len, past_len + 3)[None]
    kv_names = [f"past_key_values.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    present_names = [f"present.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    for name in kv_names:
        axes[name] = {0: "batch_size", 2: "past_sequence_length"}
    for name in present_names:
        axes[name] = {0: "batch_size", 2: "past_sequence_length + sequence_length"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape arithmetic, expected here
        d = os.path.join(out_dir, "with-past")
        torch.onnx.export(WithPast(model), (ids, mask, positions, *past), os.path.join(d, "model.onnx"),
                          input_names=["input_ids", "attention_mask", "position_ids"] + kv_names,
                          output_names=["logits"] + present_names, dynamic_axes=axes, opset_version=14,
                          do_constant_folding=True)
        d = os.path.join(out_dir, "no-past")
        short = torch.ones(1, 3, dtype=torch.long)
        torch.onnx.export(NoPast(model), (ids, short), os.path.join(d, "model.onnx"),
                          input_names=["input_ids", "attention_mask"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                        "attention_mask": {0: "batch_size", 1: "sequence_length"},
                                        "logits": {0: "batch_size", 1: "sequence_length"}},
                          opset_version=14, do_constant_folding=True)


class ExtraInput(nn.Module):
    def forward(self, input_ids, attention_mask, use_cache_branch):
        return (input_ids + attention_mask).float()[..., None] * use_cache_branch.float()


class Float16Past(nn.Module):
    def forward(self, input_ids, attention_mask, key, value):
        return (input_ids + attention_mask).float()[..., None], torch.cat((key, key), 2), torch.cat((value, value), 2)


def export_unsupported(out_dir):
    d = os.path.join(out_dir, "unsupported")
    os.makedirs(d, exist_ok=True)
    ids = torch.ones(1, 3, dtype=torch.long)
    kv = torch.zeros(1, CONFIG["num_key_value_heads"], 1, CONFIG["head_dim"], dtype=torch.half)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(ExtraInput(), (ids, ids, torch.tensor([True])), os.path.join(d, "extra-input.onnx"),
                          input_names=["input_ids", "attention_mask", "use_cache_branch"], output_names=["logits"],
                          opset_version=14)
        torch.onnx.export(Float16Past(), (ids, ids, kv, kv), os.path.join(d, "float16-past.onnx"),
                          input_names=["input_ids", "attention_mask", "past_key_values.0.key",
                                       "past_key_values.0.value"],
                          output_names=["logits", "present.0.key", "present.0.value"], opset_version=14)


def byte_to_unicode():
    """GPT-2's reversible byte -> printable character table used by byte-level BPE."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def tokenizer_json():
    """A byte-level BPE tokenizer without merges (each byte one token), BOS added by the post-processor."""
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    bos = {"SpecialToken": {"id": "<bos>", "type_id": 0}}
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 256 + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, t in enumerate(SPECIALS)],
        "normalizer": None, "pre_tokenizer": byte_level,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [bos, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [bos, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<bos>": {"id": "<bos>", "ids": [BOS], "tokens": ["<bos>"]}}},
        "decoder": dict(byte_level),
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {c: b for b, c in byte_to_unicode().items()}, "merges": []},
    }


def tokenizer_config():
    return {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<bos>", "eos_token": {"content": "<eos>"},
            "pad_token": "<pad>", "add_bos_token": True, "clean_up_tokenization_spaces": False,
            "chat_template": PLUMBLINE_JINJA}


def encode(text):
    """Ids of text in which special-token strings stand for themselves (what the tokenizer does)."""
    out, i = [], 0
    while i < len(text):
        special = next((s for s in SPECIALS if text.startswith(s, i)), None)
        if special:
            out.append(256 + SPECIALS.index(special))
            i += len(special)
        else:
            j = i + 1
            while j < len(text) and not any(text.startswith(s, j) for s in SPECIALS):
                j += 1
            out.extend(text[i:j].encode("utf-8"))
            i = j
    return out


def render_plumbline(messages):
    return "".join(f"<|{m['role']}|>\n{m['content']}<|end|>\n" for m in messages) + "<|assistant|>\n"


def greedy(model, prompt, stop_ids, n):
    """Greedy continuation by full recomputation; checks that no step is close to a tie."""
    ids = list(prompt)
    out = []
    for _ in range(min(n, CONFIG["max_position_embeddings"] - len(prompt))):
        last = model.logits(ids)[-1]
        top = torch.topk(last, 2).values
        if float(top[0] - top[1]) < 1e-3:
            sys.exit(f"greedy step after {ids} is a near tie ({float(top[0] - top[1])}); change SEED")
        token = int(last.argmax())
        out.append(token)
        ids.append(token)
        if token in stop_ids:
            break
    return out


def teach_stop(model, prompt, step, stop_id):
    """Makes stop_id the greedy choice at `step` of prompt's continuation, so tests see a real stop token:
    its LM-head row becomes a slightly longer copy of the row of the token chosen there."""
    chosen = greedy(model, prompt, set(), step + 1)[step]
    model.lm_head.data[stop_id] = 1.05 * model.lm_head.data[chosen]


def main(out_dir):
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(SEED)
    model = TinyLlama(CONFIG, gen).eval()
    chat_ids = encode(render_plumbline(CHAT))
    first_ids = [BOS] + list(COMPLETE_PROMPTS[0].encode("utf-8"))
    with torch.no_grad():
        teach_stop(model, chat_ids, 5, END)
        teach_stop(model, first_ids, 7, EOS)
    for name in ("with-past", "no-past"):
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(CONFIG, f, indent=2)
        with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(tokenizer_json(), f, indent=2, ensure_ascii=False)
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump(tokenizer_config(), f, indent=2)
    with torch.no_grad():
        export(model, out_dir)
        export_unsupported(out_dir)
        completions = []
        for text in COMPLETE_PROMPTS:
            ids = [BOS] + list(text.encode("utf-8"))
            completions.append({"text": text, "ids": ids, "logits": model.logits(ids).flatten().tolist(),
                                "greedy": greedy(model, ids, {EOS}, GREEDY_TOKENS)})
        chat = {"messages": CHAT, "ids": chat_ids, "greedy": greedy(model, chat_ids, {EOS, END}, GREEDY_TOKENS)}
        prompt_ids = encode(render_plumbline(SCORED["messages"]))
        completion_ids = list(SCORED["completion"].encode("utf-8"))
        scored = dict(SCORED, prompt_ids=prompt_ids, completion_ids=completion_ids,
                      logits=model.logits(prompt_ids + completion_ids).flatten().tolist())
    if chat["greedy"][-1] != END or completions[0]["greedy"][-1] != EOS:
        sys.exit(f"the taught stop tokens are not produced ({chat['greedy']}, {completions[0]['greedy']}); "
                 "change SEED")
    reference = {"vocab_size": VOCAB, "context": CONFIG["max_position_embeddings"], "complete": completions,
                 "chat": chat, "scored": scored}
    with open(os.path.join(out_dir, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(reference, f, ensure_ascii=False)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
