#!/usr/bin/python3
"""DPO and GRPO training steps: the engine's trainers (Java, bench/train TrainBench) vs the same steps in PyTorch eager.

Run through bench/run-train-bench.sh. The PyTorch side runs in this process; the engine runs in a child JVM driven
over stdin/stdout (TrainBench: one TrainingLoop.run per algorithm, paused by its listener between our commands), so
the two sides are interleaved step by step on the shared machine. Both sides start from the SAME weights (the JVM
writes the base checkpoint with LocalCheckpoint.save; this script reads its model.safetensors) and the same token
ids (ByteTokenizer: BOS + prompt bytes, completion bytes + EOS), so the first DPO step gives loss ln 2 and the same
gradient norm on both sides (checked and printed).

The model is bench/models' ~10M-parameter Llama (model_bench.Llama, transformers' eager structure).
"""
import argparse
import json
import math
import os
import statistics
import struct
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
import model_bench as mb  # noqa: E402  (the PyTorch Llama of the model bench)

BOS, EOS, PAD, END_OF_TURN = 257, 258, 256, 262
DPO_BETA = 0.1
LR, BETAS, EPS, WEIGHT_DECAY, MAX_GRAD_NORM = 1e-6, (0.9, 0.999), 1e-8, 0.0, 1.0  # TrainerSettings defaults


def load_safetensors(path):
    """model.safetensors (float32) -> model_bench.Llama state dict (its module names)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        assert spec["dtype"] == "F32", spec
        b, e = spec["data_offsets"]
        t = torch.from_numpy(np.frombuffer(data[b:e], dtype=np.float32).copy()).reshape(spec["shape"])
        key = name.replace("model.", "", 1) if name.startswith("model.") else name
        key = key.replace(".mlp.", ".")
        out[key] = t
    return out


def new_model(work):
    model = mb.Llama()
    model.load_state_dict(load_safetensors(os.path.join(work, "base", "model.safetensors")), strict=True)
    return model


def encode(prompt, completion=None):
    """ByteTokenizer + SftEncoder for plain prompt/completion: BOS + prompt bytes [+ completion bytes + EOS]."""
    ids = [BOS] + list(prompt.encode("utf-8"))
    if completion is None:
        return ids
    return ids, list(completion.encode("utf-8")) + [EOS]


def selective_log_softmax(logits, index):
    """TRL's selective_log_softmax (float32 path): gather minus a row-by-row logsumexp."""
    selected = torch.gather(logits, dim=-1, index=index.unsqueeze(-1)).squeeze(-1)
    lse = torch.stack([torch.logsumexp(row, dim=-1) for row in logits])
    return selected - lse


def adamw(model):
    # torch.optim.AdamW as transformers builds it; weight_decay 0 (TrainerSettings / TRL default), single-tensor
    # path (the CPU default of torch 1.13)
    return torch.optim.AdamW(model.parameters(), lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)


class TorchDpo:
    """TRL DPOTrainer step: concatenated_forward of chosen+rejected, sigmoid loss with precomputed reference log-probs,
    backward, clip_grad_norm_(1.0), AdamW step, zero_grad(set_to_none=True)."""

    def __init__(self, work):
        torch.manual_seed(0)
        self.model = new_model(work)
        self.params = [p for p in self.model.parameters()]
        self.opt = adamw(self.model)
        chosen, rejected = [], []
        for line in open(os.path.join(work, "dpo.jsonl")):
            row = json.loads(line)
            p, c = encode(row["prompt"], row["chosen"])
            _, r = encode(row["prompt"], row["rejected"])
            chosen.append((p, c))
            rejected.append((p, r))
        seqs = chosen + rejected
        length = max(len(p) + len(c) for p, c in seqs)
        assert all(len(p) + len(c) == length for p, c in seqs), "fixed lengths expected"
        ids = torch.tensor([p + c for p, c in seqs])
        self.pairs = len(chosen)
        self.tokens = ids.numel()  # prompt + completion tokens of all sequences
        self.inputs, self.labels = ids[:, :-1].contiguous(), ids[:, 1:].contiguous()
        prompt_len = len(seqs[0][0])
        # label j is token j + 1: a completion token iff j + 1 >= prompt length
        self.loss_mask = (torch.arange(length - 1) + 1 >= prompt_len).expand_as(self.labels).contiguous()
        with torch.no_grad():  # precompute_ref_log_probs: once, before training
            ref = self.logps(self.model(self.inputs))
        self.ref_chosen, self.ref_rejected = ref[:self.pairs], ref[self.pairs:]

    def logps(self, logits):
        per_token = selective_log_softmax(logits, self.labels)
        per_token = per_token.masked_fill(~self.loss_mask, 0.0)
        return per_token.sum(-1)

    def loss(self, logps):
        chosen, rejected = logps[:self.pairs], logps[self.pairs:]
        logits = (chosen - rejected) - (self.ref_chosen - self.ref_rejected)
        losses = -F.logsigmoid(DPO_BETA * logits)
        chosen_rewards = DPO_BETA * (chosen - self.ref_chosen).detach()
        rejected_rewards = DPO_BETA * (rejected - self.ref_rejected).detach()
        metrics = {"rewards/chosen": chosen_rewards.mean(), "rewards/rejected": rejected_rewards.mean(),
                   "rewards/accuracies": (chosen_rewards > rejected_rewards).float().mean(),
                   "rewards/margins": (chosen_rewards - rejected_rewards).mean(),
                   "logps/chosen": chosen.detach().mean(), "logps/rejected": rejected.detach().mean()}
        return losses.mean(), metrics

    def step(self):
        t0, c0 = time.perf_counter(), time.process_time()
        loss, metrics = self.loss(self.logps(self.model(self.inputs)))
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(self.params, MAX_GRAD_NORM)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        logged = {k: v.item() for k, v in metrics.items()}
        logged["loss"], logged["grad_norm"] = loss.item(), norm.item()
        logged["cpu_ms"] = (time.process_time() - c0) * 1e3
        return (time.perf_counter() - t0) * 1e3, logged

    def phases(self):
        t0 = time.perf_counter()
        logits = self.model(self.inputs)
        t1 = time.perf_counter()
        logps = self.logps(logits)
        t2 = time.perf_counter()
        loss, metrics = self.loss(logps)
        {k: v.item() for k, v in metrics.items()}
        t3 = time.perf_counter()
        loss.backward()
        loss.item()
        t4 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(self.params, MAX_GRAD_NORM).item()
        t5 = time.perf_counter()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        t6 = time.perf_counter()
        ms = lambda a, b: (b - a) * 1e3  # noqa: E731
        return {"forward (model)": ms(t0, t1), "log-softmax + gather + sums": ms(t1, t2),
                "loss + metrics": ms(t2, t3), "backward": ms(t3, t4), "clip grad norm": ms(t4, t5),
                "AdamW step": ms(t5, t6), "total": ms(t0, t6)}


class JavaSide:
    def __init__(self, classpath, threads, djl_cache, work):
        env = dict(os.environ, OPT_OUT_TRACKING="true", DJL_OFFLINE="true", DJL_CACHE_DIR=djl_cache)
        for k in ("LD_LIBRARY_PATH", "OPENBLAS_NUM_THREADS"):  # the BLAS override is for the PyTorch side only
            env.pop(k, None)
        cmd = ["java", "-Dai.djl.offline=true", f"-Dai.djl.pytorch.num_threads={threads}",
               "-Dai.djl.pytorch.num_interop_threads=1", f"-DDJL_CACHE_DIR={djl_cache}",
               "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath,
               "dev.plumbline.bench.train.TrainBench", work]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        line = self.read().split()
        assert line and line[0] == "ready", line
        self.params = int(line[1].split("=")[1])

    def read(self):
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError(f"TrainBench exited ({self.p.wait()})")
        return line.strip()

    def send(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        return self.read()

    def start(self, algo):
        r = self.send(f"run {algo}")
        assert r == "started", r

    def steps(self, n):
        r = json.loads(self.send(f"steps {n}"))
        for m, c in zip(r["metrics"], r["cpu_ms"]):
            m["cpu_ms"] = c
        return list(zip(r["ms"], r["metrics"]))

    def end(self):
        r = self.send("end")
        assert r.startswith("end"), r

    def phases(self, algo, n):
        return json.loads(self.send(f"phases {algo} {n}"))

    def close(self):
        self.send("quit")
        self.p.wait(timeout=60)


def load():
    return open("/proc/loadavg").read().split()[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--classpath", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--djl-cache", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--algos", default="dpo,grpo")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--per-round", type=int, default=2)
    ap.add_argument("--phases", type=int, default=3, help="phase-breakdown steps per side (0: skip)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)

    java = JavaSide(a.classpath, a.threads, a.djl_cache, a.work)
    libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l and l.split()[-1].startswith("/")})
    res = {"threads": a.threads, "blas": libs, "params": {"plumbline": java.params}, "cases": {}, "load": [load()]}
    lines = []
    for algo in a.algos.split(","):
        torch_side = {"dpo": TorchDpo, "grpo": TorchGrpo}[algo](a.work)
        res["params"]["pytorch"] = sum(p.numel() for p in torch_side.model.parameters())
        print(f"== {algo}: params plumbline {java.params:,}, pytorch {res['params']['pytorch']:,}", file=sys.stderr)
        java.start(algo)
        first = {"plumbline": java.steps(a.warmup), "pytorch": [torch_side.step() for _ in range(a.warmup)]}
        samples = {"plumbline": [], "pytorch": []}
        for r in range(a.rounds):
            for side in (("plumbline", "pytorch") if r % 2 == 0 else ("pytorch", "plumbline")):
                got = java.steps(a.per_round) if side == "plumbline" else [torch_side.step() for _ in
                                                                           range(a.per_round)]
                samples[side].extend(got)
            res["load"].append(load())
            print(f"{algo} round {r + 1}/{a.rounds} load {res['load'][-1]}", file=sys.stderr)
        java.end()
        phases = {"plumbline": [], "pytorch": []}
        if a.phases > 0:
            java_phases = java.phases(algo, a.phases + 1)  # the first is a warm-up
            phases["plumbline"] = [{k: v[i] for k, v in java_phases.items()} for i in range(1, a.phases + 1)]
            torch_side.phases()
            phases["pytorch"] = [torch_side.phases() for _ in range(a.phases)]
        res["cases"][algo] = case = summarise(algo, torch_side, first, samples, phases)
        lines += report(algo, case)
        print("\n".join(report(algo, case)), file=sys.stderr)  # in the log even if a later case dies
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
        del torch_side
    java.close()
    res["load"].append(load())
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(f"PyTorch BLAS libraries mapped: {', '.join(libs)}")
    print("\n".join(lines))


def tokens_of(algo, side, torch_side, metrics):
    if algo == "dpo":
        return torch_side.tokens  # fixed shapes: 16 sequences x 256 tokens on both sides
    if side == "pytorch":
        return metrics["tokens"]
    # GroupRewardTrainer logs completions/mean_length over the step's 16 completions; every prompt is 64 tokens
    return GRPO_BATCH * (GRPO_PROMPT_TOKENS + metrics["completions/mean_length"])


def summarise(algo, torch_side, first, samples, phases):
    case = {"first_steps": {s: [m for _, m in v] for s, v in first.items()}, "sides": {}, "phases": phases}
    for side, got in samples.items():
        ms = [t for t, _ in got]
        tps = [tokens_of(algo, side, torch_side, m) / t * 1e3 for t, m in got]
        cpu = [tokens_of(algo, side, torch_side, m) / m["cpu_ms"] * 1e3 for _, m in got]
        case["sides"][side] = {"n": len(ms), "median_ms": statistics.median(ms), "best_ms": min(ms),
                               "tps_median": statistics.median(tps), "tps_best": max(tps),
                               "tps_cpu_median": statistics.median(cpu),
                               "cpu_ms_median": statistics.median(m["cpu_ms"] for _, m in got), "all_ms": ms,
                               "metrics": [m for _, m in got]}
    p, t = case["sides"]["plumbline"], case["sides"]["pytorch"]
    case["ratio_median"] = p["tps_median"] / t["tps_median"]
    case["ratio_best"] = p["tps_best"] / t["tps_best"]
    case["ratio_cpu_median"] = p["tps_cpu_median"] / t["tps_cpu_median"]
    return case


def report(algo, case):
    out = [f"{algo}: {'side':<10}| {'n':>3} | {'median ms':>10} | {'best ms':>9} | {'tok/s median':>12} | "
           f"{'tok/s best':>10} | {'CPU ms median':>13} | {'tok/CPU-s median':>16}"]
    for side, s in case["sides"].items():
        out.append(f"{algo}: {side:<10}| {s['n']:>3} | {s['median_ms']:>10.1f} | {s['best_ms']:>9.1f} | "
                   f"{s['tps_median']:>12.1f} | {s['tps_best']:>10.1f} | {s['cpu_ms_median']:>13.1f} | "
                   f"{s['tps_cpu_median']:>16.1f}")
    out.append(f"{algo}: ours/PyTorch tokens/s (goal >= 1.0): median {case['ratio_median']:.2f}, "
               f"best {case['ratio_best']:.2f}; per CPU second (median) {case['ratio_cpu_median']:.2f}")
    f = case["first_steps"]
    keys = ("loss", "grad_norm")
    out.append(f"{algo}: first step  plumbline " + ", ".join(f"{k} {f['plumbline'][0].get(k, float('nan')):.6g}"
                                                               for k in keys)
               + " | pytorch " + ", ".join(f"{k} {f['pytorch'][0].get(k, float('nan')):.6g}" for k in keys))
    ph = case["phases"]
    if ph["plumbline"]:
        out.append(f"{algo}: phase medians (ms), {len(ph['plumbline'])} steps per side after 1 warm-up  "
                   f"{'plumbline':>10} {'pytorch':>10}")
        names = [n for n in ph["plumbline"][0] if n != "tokens"]
        names += [n for n in ph["pytorch"][0] if n not in names and n != "tokens"]
        for n in names:
            v = [statistics.median(x[n] for x in ph[s]) if n in ph[s][0] else float("nan")
                 for s in ("plumbline", "pytorch")]
            out.append(f"{algo}:   {n:<34} {v[0]:>10.1f} {v[1]:>10.1f}")
        if "update (forward .. AdamW)" in names:
            tps = {s: statistics.median(x["tokens"] / x["update (forward .. AdamW)"] * 1e3 for x in ph[s])
                   for s in ("plumbline", "pytorch")}
            case["update_tps_median"] = tps
            case["update_ratio_median"] = tps["plumbline"] / tps["pytorch"]
            out.append(f"{algo}: update alone (phase runs): tokens/s median plumbline {tps['plumbline']:.1f}, "
                       f"pytorch {tps['pytorch']:.1f}, ratio {case['update_ratio_median']:.2f}")
    out.append("")
    return out


NUM_GENERATIONS, GRPO_BATCH, MAX_COMPLETION, TEMPERATURE = 8, 16, 128, 1.0
GRPO_PROMPT_TOKENS = 64  # BOS + 63 bytes (TrainBench.GRPO_PROMPT_CHARS)
GRPO_EPSILON, STD_EPSILON = 0.2, 1e-4  # grpo plugin defaults (beta 0: no reference model, loss_type dapo)


def hidden_states(model, ids, past=0, caches=None):
    """model_bench.Llama.forward without the lm_head (so callers can project only the positions they need)."""
    t = ids.shape[1]
    cos, sin = model.rope.at(torch.arange(past, past + t))
    bias = torch.full((t, past + t), float("-inf")).triu(past + 1)[None, None] if t > 1 else None
    x = model.embed_tokens(ids)
    for i, layer in enumerate(model.layers):
        x = layer(x, cos, sin, bias, None if caches is None else caches[i])
    return model.norm(x)


def entropy_from_logits(logits, chunk_size=128):
    """TRL's entropy_from_logits: -sum p log p over the vocabulary, in chunks of rows."""
    flat = logits.reshape(-1, logits.shape[-1])
    out = []
    for chunk in flat.split(chunk_size, dim=0):
        logps = F.log_softmax(chunk, dim=-1)
        out.append(-(torch.exp(logps) * logps).sum(-1))
    return torch.cat(out).reshape(logits.shape[:-1])


def decode(ids):
    """ByteTokenizer.decode(skip_special_tokens=True): bytes 0-255 as UTF-8 (replacement on errors), rest dropped."""
    return bytes(i for i in ids if i < 256).decode("utf-8", errors="replace")


def letters(text):
    """The bench judge: share of lower-case ASCII letters."""
    return sum("a" <= ch <= "z" for ch in text) / len(text) if text else 0.0


class TorchGrpo:
    """TRL GRPOTrainer step with the grpo plugin's defaults (beta 0, epsilon 0.2, loss_type dapo, scale_rewards
    group, on-policy so old log-probs = log-probs detached): generation of G = 8 completions for each of 2 prompts
    (sampling at temperature 1 with a KV cache grown by torch.cat as transformers' DynamicCache, EOS stops a row),
    decoding, rewards from the same trivial judge, group-normalised advantages, one forward of prompt + completion
    (lm_head on the completion positions only, as logits_to_keep), logits / temperature, selective_log_softmax,
    entropy under no_grad, per-token clipped ratio loss, backward, clip_grad_norm_(1.0), AdamW step."""

    def __init__(self, work):
        torch.manual_seed(0)
        self.model = new_model(work)
        self.params = [p for p in self.model.parameters()]
        self.opt = adamw(self.model)
        self.prompts = [encode(json.loads(l)["prompt"]) for l in open(os.path.join(work, "prompts.jsonl"))]
        self.calls = 0

    def generate(self, prompt_ids):
        b = prompt_ids.shape[0]
        with torch.no_grad():
            caches = [[None, None] for _ in range(mb.LAYERS)]
            h = hidden_states(self.model, prompt_ids, 0, caches)
            logits = self.model.lm_head(h[:, -1])  # prefill: only the last position's logits
            past = prompt_ids.shape[1]
            done = torch.zeros(b, dtype=torch.bool)
            out = []
            for _ in range(MAX_COMPLETION):
                probs = F.softmax(logits / TEMPERATURE, dim=-1)
                nxt = torch.multinomial(probs, 1).squeeze(1)
                nxt = torch.where(done, torch.full_like(nxt, PAD), nxt)
                out.append(nxt)
                done = done | (nxt == EOS)
                if bool(done.all()):
                    break
                logits = self.model.lm_head(hidden_states(self.model, nxt[:, None], past, caches)[:, -1])
                past += 1
            completion = torch.stack(out, 1)
        # completion mask: up to and including the first EOS
        is_eos = completion == EOS
        first = torch.where(is_eos.any(1), is_eos.int().argmax(1), torch.full((b,), completion.shape[1]))
        mask = (torch.arange(completion.shape[1])[None] <= first[:, None]).float()
        return completion, mask

    def step(self, phases=False):
        clock, c0 = [time.perf_counter()], time.process_time()
        tick = lambda: clock.append(time.perf_counter())  # noqa: E731
        rows = [self.prompts[(2 * self.calls + k // NUM_GENERATIONS) % len(self.prompts)] for k in range(GRPO_BATCH)]
        self.calls += 1
        prompt_ids = torch.tensor(rows)
        completion, mask = self.generate(prompt_ids)
        tick()
        lengths = mask.sum(1).long().tolist()
        texts = [decode(ids[:n]) for ids, n in zip(completion.tolist(), lengths)]
        rewards = torch.tensor([letters(t) for t in texts], dtype=torch.float32)
        grouped = rewards.view(-1, NUM_GENERATIONS)
        mean = grouped.mean(1).repeat_interleave(NUM_GENERATIONS)
        std = grouped.std(1).repeat_interleave(NUM_GENERATIONS)
        advantages = (rewards - mean) / (std + STD_EPSILON)
        tick()
        c = completion.shape[1]
        ids = torch.cat([prompt_ids, completion], 1)
        h = hidden_states(self.model, ids)
        logits = self.model.lm_head(h[:, -(c + 1):-1])  # logits_to_keep = C + 1, drop the last
        tick()
        logits = logits / TEMPERATURE
        logps = selective_log_softmax(logits, completion)
        with torch.no_grad():
            entropies = entropy_from_logits(logits)
        tick()
        old = logps.detach()
        coef_1 = torch.exp(logps - old)
        coef_2 = torch.clamp(coef_1, 1 - GRPO_EPSILON, 1 + GRPO_EPSILON)
        adv = advantages[:, None]
        per_token_loss = -torch.min(coef_1 * adv, coef_2 * adv)
        num_items = mask.sum()
        loss = (per_token_loss * mask).sum() / num_items  # dapo over the generation batch
        is_low = (coef_1 < 1 - GRPO_EPSILON) & (adv < 0)
        is_high = (coef_1 > 1 + GRPO_EPSILON) & (adv > 0)
        metrics = {"entropy": (entropies * mask).sum() / num_items, "clip_ratio/low_mean": (is_low * mask).sum() /
                   num_items, "clip_ratio/high_mean": (is_high * mask).sum() / num_items,
                   "reward": rewards.mean(), "reward_std": std.mean()}
        logged = {k: v.item() for k, v in metrics.items()}
        tick()
        loss.backward()
        logged["loss"] = loss.item()
        tick()
        norm = torch.nn.utils.clip_grad_norm_(self.params, MAX_GRAD_NORM)
        logged["grad_norm"] = norm.item()
        tick()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        tick()
        logged["cpu_ms"] = (time.process_time() - c0) * 1e3
        logged["tokens"] = int(prompt_ids.numel() + sum(lengths))
        logged["completions/mean_length"] = sum(lengths) / len(lengths)
        ms = [(b - a) * 1e3 for a, b in zip(clock, clock[1:])]
        if phases:
            names = ["generation", "judge", "forward (model)", "log-probs + entropy", "loss + metrics", "backward",
                     "clip grad norm", "AdamW step"]
            out = dict(zip(names, ms))
            out["update (forward .. AdamW)"] = sum(ms[2:])
            out["total"] = sum(ms)
            out["tokens"] = logged["tokens"]
            return out
        logged["update_ms"] = sum(ms[2:])
        return sum(ms), logged

    def phases(self):
        return self.step(phases=True)


if __name__ == "__main__":
    main()
