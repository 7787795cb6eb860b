#!/usr/bin/python3
"""ComputeLoss benchmarks: shared data, interleaved measurements and the results table.

    loss_bench.py data  DIR                        write the DPO and GRPO batches (manifest.txt + raw float64)
    loss_bench.py run   DIR OUT.json --classpath CP [--rounds R --per-round K --warmup W --threads T --no-grpc]
    loss_bench.py table OUT.json                   median / IQR / min table with the ratios

`run` measures, for each batch, (a) LossKernel.compute in a separate JVM (bench/loss, `LossBench --serve`),
(b) ComputeLoss over gRPC against the packaged server on loopback from this Python process, and (c) the same
loss + backward in PyTorch eager in this process. The modes are interleaved: R rounds of K calls per mode, the
order rotating each round, so every mode sees the same background load (the build machine is shared).

Run everything with bench/run-loss-bench.sh. Needs /usr/bin/python3 (Debian's python3-torch, python3-grpcio,
python3-numpy). The batches: DPO 4096 pairs (sequence-level log-probs), GRPO 64 completions x 1024 tokens in
8 groups of 8, random completion lengths 64..1024, rewards per completion, k3 KL with beta 0.04; everything else
at the plugins' defaults (dpo: sigmoid, beta 0.1; grpo: loss_type dapo over this batch's tokens, epsilon 0.2,
scale_rewards group, std_epsilon 1e-4). All computations in float32 with gradients.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TESTS = REPO / "clients" / "python" / "tests"

DPO_PAIRS = 4096
GRPO_ROWS, GRPO_TOKENS, GRPO_GROUP = 64, 1024, 8

CASES = {
    "dpo": {"algorithm": "dpo", "params": {"beta": 0.1, "loss_type": "sigmoid"}},
    "grpo": {"algorithm": "grpo", "params": {"beta": 0.04, "num_generations": GRPO_GROUP}},
}
DIFFERENTIABLE = {"policy_chosen_logps", "policy_rejected_logps", "logps"}

IN_PROCESS = "in-process (Java LossKernel)"
IN_PROCESS_NO_GRAD = "in-process, no gradients"
GRPC_BYTES = "gRPC, pre-encoded bytes"
GRPC_E2E = "gRPC, Python client end to end"
GRPC_FAST = "gRPC, Python, numpy bytes codec"
TORCH = "PyTorch eager"
ENCODE = "client encode only (Python)"
DECODE = "client decode only (Python)"
ORDER = [IN_PROCESS, IN_PROCESS_NO_GRAD, GRPC_BYTES, GRPC_FAST, GRPC_E2E, TORCH, ENCODE, DECODE]


# ------------------------------------------------------------------------------------------- data

def make_data(seed: int = 20261122):
    rng = np.random.default_rng(seed)
    b = DPO_PAIRS
    pc = -rng.uniform(50.0, 300.0, b)
    pr = -rng.uniform(50.0, 300.0, b)
    dpo = {
        "policy_chosen_logps": pc,
        "policy_rejected_logps": pr,
        "reference_chosen_logps": pc + rng.normal(0.0, 2.0, b),
        "reference_rejected_logps": pr + rng.normal(0.0, 2.0, b),
    }
    rows, tokens = GRPO_ROWS, GRPO_TOKENS
    logps = np.log(rng.uniform(0.05, 1.0, (rows, tokens)))
    lengths = rng.integers(64, tokens + 1, rows)
    mask = (np.arange(tokens)[None, :] < lengths[:, None]).astype(np.float64)
    grpo = {
        "logps": logps,
        "old_logps": logps + rng.normal(0.0, 0.1, (rows, tokens)),
        "ref_logps": logps + rng.normal(0.0, 0.1, (rows, tokens)),
        "mask": mask,
        "rewards": rng.uniform(0.0, 1.0, rows).round(1),
    }
    return {"dpo": dpo, "grpo": grpo}


def write_data(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["# written by bench/loss_bench.py data; raw little-endian float64, row-major"]
    for case, tensors in make_data().items():
        spec = CASES[case]
        lines.append(f"case {case} {spec['algorithm']}")
        for name, value in spec["params"].items():
            kind = ("boolean" if isinstance(value, bool) else "integer" if isinstance(value, int)
                    else "number" if isinstance(value, float) else "string")
            lines.append(f"param {case} {name} {kind} {value}")
        for name, array in tensors.items():
            file = f"{case}.{name}.f64"
            array.astype("<f8").tofile(directory / file)
            lines.append(f"tensor {case} {name} {','.join(str(d) for d in array.shape)} {file}")
    (directory / "manifest.txt").write_text("\n".join(lines) + "\n")


def read_data(directory: Path):
    cases = {}
    for line in (directory / "manifest.txt").read_text().splitlines():
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if f[0] == "case":
            cases[f[1]] = {"algorithm": f[2], "params": {}, "tensors": {}}
        elif f[0] == "param":
            cast = {"number": float, "integer": int, "boolean": lambda s: s == "True", "string": str}[f[3]]
            cases[f[1]]["params"][f[2]] = cast(f[4])
        elif f[0] == "tensor":
            shape = tuple(int(d) for d in f[3].split(","))
            cases[f[1]]["tensors"][f[2]] = np.fromfile(directory / f[4], dtype="<f8").reshape(shape)
    return cases


def timed(fn, k):
    samples = []
    for _ in range(k):
        t0 = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t0) / 1e6)
    return samples


# ------------------------------------------------------------------------------------------- (c) PyTorch eager

def torch_dpo(t, beta):
    """TRL DPOTrainer sigmoid loss + backward + the metrics it logs."""
    import torch
    chosen = t["policy_chosen_logps"] - t["reference_chosen_logps"]
    rejected = t["policy_rejected_logps"] - t["reference_rejected_logps"]
    loss = -torch.nn.functional.logsigmoid(beta * (chosen - rejected)).mean()
    loss.backward()
    cr, rr = beta * chosen.detach(), beta * rejected.detach()
    metrics = torch.stack([cr.mean(), rr.mean(), (cr > rr).float().mean(), (cr - rr).mean(),
                           t["policy_chosen_logps"].detach().mean(), t["policy_rejected_logps"].detach().mean()])
    metrics.tolist()
    return loss


def torch_grpo(t, beta, group, eps=0.2, std_eps=1e-4):
    """TRL GRPOTrainer: group-normalised advantages, token-level clipped ratio, k3 KL, loss_type dapo over this
    batch's tokens (num_items_in_batch = mask.sum()), backward, plus the metrics it logs."""
    import torch
    rewards, logps, mask = t["rewards"], t["logps"], t["mask"]
    grouped = rewards.view(-1, group)
    std = grouped.std(dim=1).repeat_interleave(group)
    advantages = (rewards - grouped.mean(dim=1).repeat_interleave(group)) / (std + std_eps)
    a = advantages.unsqueeze(1)
    coef_1 = torch.exp(logps - t["old_logps"])
    coef_2 = torch.clamp(coef_1, 1 - eps, 1 + eps)
    per_token = -torch.min(coef_1 * a, coef_2 * a)
    delta = t["ref_logps"] - logps
    kl = torch.exp(delta) - delta - 1
    per_token = per_token + beta * kl
    tokens = mask.sum()
    loss = (per_token * mask).sum() / tokens.clamp(min=1.0)
    loss.backward()
    with torch.no_grad():
        low = ((coef_1 < 1 - eps) & (a < 0)).float()
        high = ((coef_1 > 1 + eps) & (a > 0)).float()
        metrics = torch.stack([(kl * mask).sum() / tokens, (low * mask).sum() / tokens,
                               (high * mask).sum() / tokens, rewards.mean(), std.mean(),
                               torch.isclose(std, torch.zeros_like(std)).float().mean()])
        metrics.tolist()
    return loss


class TorchMode:
    def __init__(self, case, spec):
        import torch
        self.t = {name: torch.tensor(v, dtype=torch.float32, requires_grad=name in DIFFERENTIABLE)
                  for name, v in spec["tensors"].items()}
        self.leaves = [v for name, v in self.t.items() if name in DIFFERENTIABLE]
        self.case, self.params = case, spec["params"]
        self.loss = self.step().item()
        self.grad_norm = float(torch.sqrt(sum((leaf.grad.double() ** 2).sum() for leaf in self.leaves)))

    def step(self):
        for leaf in self.leaves:
            leaf.grad = None
        if self.case == "dpo":
            return torch_dpo(self.t, self.params["beta"])
        return torch_grpo(self.t, self.params["beta"], self.params["num_generations"])

    def sample(self, k):
        return timed(self.step, k)


# ------------------------------------------------------------------------------------------- (a) in-process JVM

class JavaServe:
    """`LossBench DIR --serve` in its own JVM, driven over stdin/stdout."""

    def __init__(self, data_dir, classpath, threads, djl_cache):
        env = dict(os.environ, OPT_OUT_TRACKING="true", DJL_OFFLINE="true", DJL_CACHE_DIR=djl_cache)
        cmd = ["java", "-Dai.djl.offline=true", f"-Dai.djl.pytorch.num_threads={threads}",
               f"-DDJL_CACHE_DIR={djl_cache}", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
               "-cp", classpath, "dev.plumbline.bench.LossBench", str(data_dir), "--serve"]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        line = self.p.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"LossBench --serve did not start (got {line!r})")

    def run(self, case, gradients, k):
        self.p.stdin.write(f"run {case} {1 if gradients else 0} {k}\n")
        self.p.stdin.flush()
        answer = json.loads(self.p.stdout.readline())
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def close(self):
        if self.p.poll() is None:
            self.p.stdin.write("quit\n")
            self.p.stdin.flush()
            self.p.wait(timeout=30)


class JavaMode:
    def __init__(self, java, case, gradients):
        self.java, self.case, self.gradients = java, case, gradients
        first = java.run(case, gradients, 1)
        self.loss, self.grad_norm = first["loss"], first["grad_norm"]

    def sample(self, k):
        return self.java.run(self.case, self.gradients, k)["samples_ms"]


# ------------------------------------------------------------------------------------------- (b) gRPC

def _varint(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _read_varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def fast_named_tensor(pb, name, array):
    """NamedTensor with float_values from a float32 numpy array without a Python float per element: packed
    `repeated float` (field 3) is the array's little-endian bytes, so the message is parsed from them."""
    head = pb.NamedTensor(name=name, shape=list(array.shape)).SerializeToString()
    raw = np.ascontiguousarray(array, dtype="<f4").tobytes()
    return pb.NamedTensor.FromString(head + b"\x1a" + _varint(len(raw)) + raw)


def fast_values(named):
    """float_values (packed field 3) or double_values (packed field 4) of a NamedTensor as a numpy view."""
    blob = named.SerializeToString()
    i = 0
    while i < len(blob):
        tag, i = _read_varint(blob, i)
        field, wire = tag >> 3, tag & 7
        if wire == 2:
            length, i = _read_varint(blob, i)
            if field in (3, 4):
                dtype = "<f4" if field == 3 else "<f8"
                return np.frombuffer(blob, dtype=dtype, count=length // np.dtype(dtype).itemsize, offset=i)
            i += length
        elif wire == 0:
            _, i = _read_varint(blob, i)
        else:  # not produced by the server; fall back to the generic path
            break
    values = named.float_values if len(named.float_values) else named.double_values
    return np.array(values, dtype=np.float32)


class GrpcModes:
    def __init__(self, client, pb, case, spec):
        self.client, self.pb, self.spec = client, pb, spec
        self.float32 = {name: v.astype(np.float32) for name, v in spec["tensors"].items()}
        self.raw = client.channel.unary_unary("/plumbline.v1.LossService/ComputeLoss",
                                              request_serializer=lambda b: b, response_deserializer=lambda b: b)
        self.request_bytes = self.encode().SerializeToString()
        response = self.e2e()[0]
        self.loss = response.loss
        grads = self.decode(response)
        self.grad_norm = float(np.sqrt(sum((g.astype(np.float64) ** 2).sum() for g in grads.values())))
        self.response_bytes = self.raw(self.request_bytes, timeout=120)
        assert self.fast_decode(response).keys() == grads.keys()

    def _request(self, tensors):
        pb = self.pb

        def value(v):
            return (pb.ParameterValue(bool_value=v) if isinstance(v, bool)
                    else pb.ParameterValue(integer_value=v) if isinstance(v, int)
                    else pb.ParameterValue(number_value=v) if isinstance(v, float)
                    else pb.ParameterValue(string_value=v))
        return pb.ComputeLossRequest(
            algorithm=self.spec["algorithm"], dtype=pb.DTYPE_FLOAT32, want_gradients=True,
            parameters={k: value(v) for k, v in self.spec["params"].items()}, tensors=tensors)

    def encode(self):
        """What plumbline_client users write today: repeated float from a list of Python floats."""
        return self._request([self.pb.NamedTensor(name=name, shape=list(v.shape), float_values=v.ravel().tolist())
                              for name, v in self.float32.items()])

    def fast_encode(self):
        return self._request([fast_named_tensor(self.pb, name, v) for name, v in self.float32.items()])

    @staticmethod
    def decode(response):
        return {g.name: np.array(g.float_values, dtype=np.float32).reshape(tuple(g.shape))
                for g in response.gradients}

    @staticmethod
    def fast_decode(response):
        return {g.name: fast_values(g).reshape(tuple(g.shape)) for g in response.gradients}

    def e2e(self):
        response = self.client.loss.ComputeLoss(self.encode(), timeout=120)
        return response, self.decode(response)

    def fast_e2e(self):
        response = self.client.loss.ComputeLoss(self.fast_encode(), timeout=120)
        return response, self.fast_decode(response)

    def bytes_only(self):
        return self.raw(self.request_bytes, timeout=120)


class FnMode:
    def __init__(self, fn, loss, grad_norm):
        self.fn, self.loss, self.grad_norm = fn, loss, grad_norm

    def sample(self, k):
        return timed(self.fn, k)


# ------------------------------------------------------------------------------------------- run

def run(args) -> None:
    import torch
    torch.set_num_threads(args.threads)
    cases = read_data(args.dir)
    java = JavaServe(args.dir, args.classpath, args.threads, args.djl_cache)
    server = client = None
    modes = {}  # (case, label) -> mode
    extra = {}
    try:
        if not args.no_grpc:
            sys.path.insert(0, str(TESTS))
            import support  # generates the stubs when needed; starts and stops the packaged server
            from plumbline_client import Client, pb
            support.require_jar(support.APP_JAR, "full server")
            server = support.ServerProcess(support.APP_JAR, name="bench",
                                           properties={"ai.djl.pytorch.num_threads": str(args.threads)}).start()
            client = Client("127.0.0.1", server.port, timeout=120)
        for case, spec in cases.items():
            modes[(case, IN_PROCESS)] = JavaMode(java, case, True)
            modes[(case, IN_PROCESS_NO_GRAD)] = JavaMode(java, case, False)
            modes[(case, TORCH)] = TorchMode(case, spec)
            if client is not None:
                g = GrpcModes(client, pb, case, spec)
                modes[(case, GRPC_BYTES)] = FnMode(g.bytes_only, g.loss, g.grad_norm)
                modes[(case, GRPC_FAST)] = FnMode(g.fast_e2e, g.loss, g.grad_norm)
                modes[(case, GRPC_E2E)] = FnMode(g.e2e, g.loss, g.grad_norm)
                extra[case] = g
        keys = list(modes)
        print(f"warm-up: {args.warmup} calls per mode", file=sys.stderr)
        for key in keys:
            modes[key].sample(args.warmup)
        samples = {key: [] for key in keys}
        for r in range(args.rounds):
            shift = r % len(keys)
            for key in keys[shift:] + keys[:shift]:
                samples[key] += modes[key].sample(args.per_round)
            print(f"round {r + 1}/{args.rounds} load {os.getloadavg()[0]:.2f}", file=sys.stderr)
        results = []
        for key in keys:
            m = modes[key]
            results.append({"case": key[0], "mode": key[1], "dtype": "float32", "loss": float(m.loss),
                            "grad_norm": float(m.grad_norm), "samples_ms": samples[key]})
        # Client-side protobuf work alone (not interleaved; pure Python/C++ CPU work in this process).
        for case, g in extra.items():
            n = max(5, args.per_round * 2)
            for label, fn in ((ENCODE, lambda: g.encode().SerializeToString()),
                              (ENCODE + ", numpy codec", lambda: g.fast_encode().SerializeToString()),
                              (DECODE, lambda: g.decode(pb.ComputeLossResponse.FromString(g.response_bytes))),
                              (DECODE + ", numpy codec",
                               lambda: g.fast_decode(pb.ComputeLossResponse.FromString(g.response_bytes)))):
                results.append({"case": case, "mode": label, "dtype": "float32", "loss": float(g.loss),
                                "grad_norm": float(g.grad_norm), "samples_ms": timed(fn, n),
                                "request_bytes": len(g.request_bytes), "response_bytes": len(g.response_bytes)})
        meta = {"threads": args.threads, "rounds": args.rounds, "per_round": args.per_round, "warmup": args.warmup,
                "torch": torch.__version__, "grpc_client": "Python (grpcio, /usr/bin/python3)",
                "sizes": {c: {"request_bytes": len(g.request_bytes), "response_bytes": len(g.response_bytes)}
                          for c, g in extra.items()}}
        args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    finally:
        if client is not None:
            client.close()
        if server is not None:
            server.stop()
        java.close()


# ------------------------------------------------------------------------------------------- table

def table(path) -> int:
    doc = json.loads(Path(path).read_text())
    by = {(r["case"], r["mode"]): r for r in doc["results"]}
    sizes = doc["meta"].get("sizes", {})
    width = 118
    print(f"{'case':5} | {'measurement':40} | {'n':>4} | {'median ms':>9} | {'IQR ms':>17} | {'min ms':>7} | "
          f"{'loss':>11} | {'|grad|':>9}")
    print("-" * width)
    status = 0
    for case in ("dpo", "grpo"):
        labels = [m for m in ORDER if (case, m) in by]
        labels += [m for (c, m) in by if c == case and m not in labels]
        for mode in labels:
            r = by[(case, mode)]
            q1, med, q3 = statistics.quantiles(r["samples_ms"], n=4, method="inclusive")
            print(f"{case:5} | {mode:40} | {len(r['samples_ms']):4d} | {med:9.3f} | {q1:7.3f} .. {q3:7.3f} | "
                  f"{min(r['samples_ms']):7.3f} | {r['loss']:11.7f} | {r['grad_norm']:9.7f}")
        # The same numbers everywhere (float32; summation orders differ).
        ref = by.get((case, TORCH))
        for mode in (IN_PROCESS, GRPC_BYTES):
            r = by.get((case, mode))
            if ref and r:
                for key in ("loss", "grad_norm"):
                    if abs(r[key] - ref[key]) > 1e-4 * max(1.0, abs(ref[key])):
                        print(f"!! {case} {mode}: {key} {r[key]} differs from PyTorch {ref[key]}")
                        status = 1
        if case in sizes:
            print(f"{case:5} | request {sizes[case]['request_bytes']:,} bytes, response "
                  f"{sizes[case]['response_bytes']:,} bytes")
        print("-" * width)

    def stat(case, mode, fn):
        r = by.get((case, mode))
        return fn(r["samples_ms"]) if r else None

    print("ratios of medians (goal); in brackets the ratio of the minima:")
    for case in ("dpo", "grpo"):
        for label, num, den, goal in (
                ("in-process / PyTorch", IN_PROCESS, TORCH, 1.0),
                ("gRPC bytes / in-process", GRPC_BYTES, IN_PROCESS, 2.0),
                ("gRPC numpy codec / in-process", GRPC_FAST, IN_PROCESS, 2.0),
                ("gRPC Python e2e / in-process", GRPC_E2E, IN_PROCESS, 2.0)):
            a, b = stat(case, num, statistics.median), stat(case, den, statistics.median)
            if a is not None and b is not None:
                ratio = a / b
                print(f"  {case:5} {label:31} {ratio:7.2f}  [{stat(case, num, min) / stat(case, den, min):6.2f}]  "
                      f"(goal <= {goal:.1f}: {'met' if ratio <= goal else 'MISSED'})")
    return status


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("data")
    d.add_argument("dir", type=Path)
    r = sub.add_parser("run")
    r.add_argument("dir", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--classpath", required=True, help="runtime classpath of bench/loss (LossBench)")
    r.add_argument("--djl-cache", default=str(REPO / ".cache" / "djl"))
    r.add_argument("--rounds", type=int, default=10)
    r.add_argument("--per-round", type=int, default=10)
    r.add_argument("--warmup", type=int, default=20)
    r.add_argument("--threads", type=int, default=2,
                   help="intra-op threads: torch.set_num_threads and ai.djl.pytorch.num_threads (JVM and server)")
    r.add_argument("--no-grpc", action="store_true")
    t = sub.add_parser("table")
    t.add_argument("file")
    args = p.parse_args(argv)
    if args.command == "data":
        write_data(args.dir)
    elif args.command == "run":
        run(args)
    else:
        return table(args.file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
