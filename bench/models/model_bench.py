#!/usr/bin/python3
"""~10M-parameter Llama: engine (Java, bench/models ModelBench) vs PyTorch eager, interleaved round by round.

Run through bench/run-model-bench.sh. The PyTorch model runs in this process (so this process's VmHWM is the
PyTorch peak); the engine runs in a child JVM driven over stdin/stdout. Both use the same config and the same
measurement: training step = forward + mean cross-entropy over all B*T tokens + backward + AdamW step
(batch 8 x 256 tokens); generation = greedy, 32-token prompt, 128 new tokens, KV cache, batch 1 and 8.
Weights are random and NOT initialised identically (speed only): same shapes, same op count per token.
"""
import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, HIDDEN, INTER, LAYERS, HEADS, KV_HEADS, HEAD_DIM, MAX_POS = 8192, 256, 688, 8, 8, 4, 32, 512
BATCH, SEQ, PROMPT, NEW = 8, 256, 32, 128


# --- the model, as transformers' LlamaForCausalLM (eager attention) writes it ------------------------------
class RMSNorm(nn.Module):
    def __init__(self, n, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        v = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(v + self.eps))


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class Rope:
    def __init__(self, dim, theta=10000.0):
        inv = 1.0 / (theta ** (torch.arange(0, dim, 2).float() / dim))
        t = torch.arange(MAX_POS).float()
        f = torch.outer(t, inv)
        emb = torch.cat((f, f), dim=-1)
        self.cos, self.sin = emb.cos(), emb.sin()

    def at(self, pos):  # pos [T] -> [1, 1, T, D]
        return self.cos[pos][None, None], self.sin[pos][None, None]


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_proj = nn.Linear(HIDDEN, HEADS * HEAD_DIM, bias=False)
        self.k_proj = nn.Linear(HIDDEN, KV_HEADS * HEAD_DIM, bias=False)
        self.v_proj = nn.Linear(HIDDEN, KV_HEADS * HEAD_DIM, bias=False)
        self.o_proj = nn.Linear(HEADS * HEAD_DIM, HIDDEN, bias=False)

    def forward(self, x, cos, sin, bias, cache):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, HEADS, HEAD_DIM).transpose(1, 2)
        k = self.k_proj(x).view(b, t, KV_HEADS, HEAD_DIM).transpose(1, 2)
        v = self.v_proj(x).view(b, t, KV_HEADS, HEAD_DIM).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:  # DynamicCache: concatenate
            if cache[0] is not None:
                k = torch.cat((cache[0], k), dim=2)
                v = torch.cat((cache[1], v), dim=2)
            cache[0], cache[1] = k, v
        rep = HEADS // KV_HEADS
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        w = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(HEAD_DIM)
        if bias is not None:
            w = w + bias
        w = F.softmax(w, dim=-1, dtype=torch.float32)
        o = torch.matmul(w, v).transpose(1, 2).reshape(b, t, HEADS * HEAD_DIM)
        return self.o_proj(o)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.input_layernorm = RMSNorm(HIDDEN)
        self.self_attn = Attention()
        self.post_attention_layernorm = RMSNorm(HIDDEN)
        self.gate_proj = nn.Linear(HIDDEN, INTER, bias=False)
        self.up_proj = nn.Linear(HIDDEN, INTER, bias=False)
        self.down_proj = nn.Linear(INTER, HIDDEN, bias=False)

    def forward(self, x, cos, sin, bias, cache):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, bias, cache)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Llama(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Embedding(VOCAB, HIDDEN)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.norm = RMSNorm(HIDDEN)
        self.lm_head = nn.Linear(HIDDEN, VOCAB, bias=False)
        self.rope = Rope(HEAD_DIM)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, past=0, caches=None):
        t = ids.shape[1]
        cos, sin = self.rope.at(torch.arange(past, past + t))
        bias = None
        if t > 1:
            bias = torch.full((t, past + t), float("-inf")).triu(past + 1)[None, None]
        x = self.embed_tokens(ids)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, bias, None if caches is None else caches[i])
        return self.lm_head(self.norm(x))


class TorchSide:
    def __init__(self):
        torch.manual_seed(1234)
        self.model = Llama()
        self.params = sum(p.numel() for p in self.model.parameters())
        decay = [p for n, p in self.model.named_parameters() if p.dim() == 2]
        no_decay = [p for n, p in self.model.named_parameters() if p.dim() != 2]
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                                      {"params": no_decay, "weight_decay": 0.0}], lr=1e-4, eps=1e-8)
        g = torch.Generator().manual_seed(42)
        tok = torch.randint(0, VOCAB, (BATCH, SEQ + 1), generator=g)
        self.inputs, self.targets = tok[:, :-1].contiguous(), tok[:, 1:].contiguous()
        self.prompts = torch.randint(0, VOCAB, (BATCH, PROMPT), generator=g)

    def train(self, n):
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            logits = self.model(self.inputs)
            loss = F.cross_entropy(logits.view(-1, VOCAB), self.targets.view(-1))
            loss.backward()
            self.opt.step()
            self.opt.zero_grad(set_to_none=True)
            lv = loss.item()
            out.append((time.perf_counter() - t0) * 1e3)
            assert math.isfinite(lv)
        return out

    def gen(self, batch, n):
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            with torch.inference_mode():
                ids = self.prompts[:batch]
                caches = [[None, None] for _ in range(LAYERS)]
                logits = self.model(ids, 0, caches)
                past = ids.shape[1]
                result = []
                for _ in range(NEW):
                    nxt = logits[:, -1].argmax(-1, keepdim=True)
                    result.append(nxt)
                    logits = self.model(nxt, past, caches)
                    past += 1
                torch.cat(result, 1).tolist()
            out.append((time.perf_counter() - t0) * 1e3)
        return out


def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


class JavaSide:
    def __init__(self, classpath, threads, djl_cache):
        env = dict(os.environ, OPT_OUT_TRACKING="true", DJL_OFFLINE="true", DJL_CACHE_DIR=djl_cache)
        for k in ("LD_LIBRARY_PATH", "OPENBLAS_NUM_THREADS"):  # the BLAS override is for the PyTorch side only
            env.pop(k, None)
        cmd = ["java", "-Dai.djl.offline=true", f"-Dai.djl.pytorch.num_threads={threads}",
               "-Dai.djl.pytorch.num_interop_threads=1", f"-DDJL_CACHE_DIR={djl_cache}",
               "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath,
               "dev.plumbline.bench.models.ModelBench"]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        line = self.p.stdout.readline().split()
        assert line and line[0] == "ready", line
        self.params = int(line[1].split("=")[1])

    def ask(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        parts = self.p.stdout.readline().split()
        assert parts and parts[0] == cmd.split()[0], (cmd, parts)
        return [float(x) for x in parts[1:]]

    def train(self, n):
        return self.ask(f"train {n}")

    def gen(self, batch, n):
        return self.ask(f"gen {batch} {n}")

    def close(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        self.p.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--classpath", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--djl-cache", required=True)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--train-per-round", type=int, default=2)
    ap.add_argument("--gen-per-round", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)

    sides = {"plumbline": JavaSide(a.classpath, a.threads, a.djl_cache), "pytorch": TorchSide()}
    libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l and l.split()[-1].startswith("/")})
    print(f"PyTorch BLAS libraries mapped: {', '.join(libs)}")
    print(f"params: plumbline {sides['plumbline'].params:,}, pytorch {sides['pytorch'].params:,}", file=sys.stderr)
    cases = [("train", lambda s: s.train(a.train_per_round), BATCH * SEQ),
             ("gen b1", lambda s: s.gen(1, a.gen_per_round), 1 * NEW),
             ("gen b8", lambda s: s.gen(8, a.gen_per_round), BATCH * NEW)]
    times = {(c, s): [] for c, _, _ in cases for s in sides}
    mem = {}
    base = {"plumbline": sides["plumbline"].ask("mem"), "pytorch": [status("VmHWM"), status("VmRSS")]}
    # warm-up: one of each, training first (its peak is the training-step peak), then read the memory
    for name, side in sides.items():
        side.train(2)
    mem["plumbline"] = sides["plumbline"].ask("mem")
    mem["pytorch"] = [status("VmHWM"), status("VmRSS")]
    for name, side in sides.items():
        side.gen(1, 1)
        side.gen(8, 1)
    order = list(sides)
    for r in range(a.rounds):
        for c, fn, _ in cases:
            for s in (order if r % 2 == 0 else order[::-1]):
                times[(c, s)].extend(fn(sides[s]))
        print(f"round {r + 1}/{a.rounds} load {open('/proc/loadavg').read().split()[0]}", file=sys.stderr)
    mem_after = {"plumbline": sides["plumbline"].ask("mem"), "pytorch": [status("VmHWM"), status("VmRSS")]}
    sides["plumbline"].close()

    res = {"params": {k: v.params for k, v in sides.items()}, "cases": {}, "mem_before_train": base, "mem_after_train": mem,
           "mem_end": mem_after}
    lines = [f"{'case':<7}| {'side':<10}| {'n':>3} | {'median ms':>10} | {'best ms':>9} | {'tok/s median':>12} | "
             f"{'tok/s best':>10}"]
    ratios = []
    for c, _, tokens in cases:
        row = {}
        for s in sides:
            t = times[(c, s)]
            med, best = statistics.median(t), min(t)
            row[s] = {"n": len(t), "median_ms": med, "best_ms": best, "tps_median": tokens / med * 1e3,
                      "tps_best": tokens / best * 1e3, "all_ms": t}
            lines.append(f"{c:<7}| {s:<10}| {len(t):>3} | {med:>10.1f} | {best:>9.1f} | "
                         f"{row[s]['tps_median']:>12.1f} | {row[s]['tps_best']:>10.1f}")
        rm = row["plumbline"]["tps_median"] / row["pytorch"]["tps_median"]
        rb = row["plumbline"]["tps_best"] / row["pytorch"]["tps_best"]
        row["ratio_median"], row["ratio_best"] = rm, rb
        ratios.append(f"{c:<7}  ours/PyTorch throughput (goal >= 1.0): median {rm:.2f}, best {rb:.2f}")
        res["cases"][c] = row
    lines.append("")
    lines += ratios
    pj, pt = mem["plumbline"], mem["pytorch"]
    lines.append("")
    lines.append(f"peak RSS after warm-up training steps (VmHWM): plumbline JVM {pj[0] / 1024:.0f} MiB "
                 f"(heap used {pj[2] / 2**20:.0f} MiB of {pj[3] / 2**20:.0f} MiB committed; the rest is libtorch "
                 f"native + JVM), PyTorch process {pt[0] / 1024:.0f} MiB")
    lines.append(f"VmHWM with the model built, before any training step: "
                 f"plumbline {base['plumbline'][0] / 1024:.0f} MiB, PyTorch {base['pytorch'][0] / 1024:.0f} MiB")
    lines.append(f"VmHWM at the end: plumbline {mem_after['plumbline'][0] / 1024:.0f} MiB, "
                 f"PyTorch {mem_after['pytorch'][0] / 1024:.0f} MiB")
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
