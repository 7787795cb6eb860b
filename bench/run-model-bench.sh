#!/usr/bin/env bash
# ~10M-parameter Llama (hidden 256, 8 layers, 8 heads / 4 kv heads, intermediate 688, vocab 8192, untied):
# the engine (LlamaModel + AdamW + Generator, bench/models, not part of the root reactor) vs the same model in
# PyTorch eager (Debian python3-torch, /usr/bin/python3), interleaved round by round (the machine is shared).
#   training step: forward + mean cross-entropy over all tokens + backward + AdamW step, batch 8 x 256 tokens
#   generation:    greedy, 32-token prompt, 128 new tokens, KV cache, batch 1 and batch 8
# Prints median and best tokens/s, the ratios ours/PyTorch (goal >= 1.0) and peak RSS (VmHWM) of both processes.
#
# Prerequisite (once, and after changing the engine): ./mvnw -B -q install -DskipTests
# Environment: BENCH_THREADS=2 (torch.set_num_threads and -Dai.djl.pytorch.num_threads; inter-op 1 on both),
#   BENCH_TORCH_BLAS_DIR: a directory holding libblas.so.3 (+ what it needs) for the PyTorch process only, e.g. an
#     unpacked Debian libopenblas0-pthread (`apt-get download libopenblas0-pthread; dpkg-deb -x *.deb DIR`, then
#     DIR/usr/lib/x86_64-linux-gnu/openblas-pthread). Debian's python3-torch links libblas.so.3, which on this
#     machine is the reference (netlib) BLAS; OPENBLAS_NUM_THREADS is then set to BENCH_THREADS.
#   BENCH_ROUNDS=4, BENCH_TRAIN_PER_ROUND=2, BENCH_GEN_PER_ROUND=1, BENCH_OUT=bench/models/target/results
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
PY=/usr/bin/python3
THREADS="${BENCH_THREADS:-2}"
OUT="${BENCH_OUT:-$REPO/bench/models/target/results}"
mkdir -p "$OUT"

echo "== build bench/models (engine from ~/.m2)" >&2
./mvnw -B -q -f bench/models/pom.xml package
CP="$REPO/bench/models/target/classes:$(cat "$REPO/bench/models/target/classpath.txt")"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== measure (interleaved: engine JVM, PyTorch)" >&2
TORCH_ENV=()
if [[ -n "${BENCH_TORCH_BLAS_DIR:-}" ]]; then
  TORCH_ENV=(env "LD_LIBRARY_PATH=$BENCH_TORCH_BLAS_DIR" "OPENBLAS_NUM_THREADS=$THREADS")
fi
RESULT="$("${TORCH_ENV[@]}" "$PY" bench/models/model_bench.py --classpath "$CP" --threads "$THREADS" \
  --djl-cache "${DJL_CACHE_DIR:-$REPO/.cache/djl}" --rounds "${BENCH_ROUNDS:-4}" \
  --train-per-round "${BENCH_TRAIN_PER_ROUND:-2}" --gen-per-round "${BENCH_GEN_PER_ROUND:-1}" \
  --out "$OUT/results.json")"
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);" \
    "load average before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1); torch: $("$PY" -c 'import torch; print(torch.__version__)');" \
    "intra-op threads $THREADS, inter-op 1;" \
    "PyTorch BLAS: ${BENCH_TORCH_BLAS_DIR:-system libblas.so.3 ($(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3))}"
  echo
  echo "$RESULT"
} | tee "$OUT/table.txt"
