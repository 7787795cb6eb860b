#!/usr/bin/env bash
# DPO and GRPO training steps of the engine's real trainers (TrainingLoop.run on a TrainingPlanner plan; bench/train,
# not part of the root reactor) vs the same steps written in PyTorch eager (Debian python3-torch, /usr/bin/python3),
# on bench/models' ~10M-parameter Llama (vocab 8192) with the ByteTokenizer, interleaved step batch by step batch
# (the machine is shared). Both sides start from the same weights and the same token ids.
#   dpo:  batch 8 pairs, prompt 64 + completion 192 tokens (16 sequences x 256 tokens), dpo defaults (beta 0.1,
#         sigmoid), reference log-probs precomputed (not timed), clip 1.0, AdamW (lr 1e-6, 0.9/0.999, 1e-8, wd 0)
#   grpo: 2 prompts x num_generations 8, prompt 64 tokens, max_completion_length 128, temperature 1, a trivial
#         pointwise judge, grpo defaults; the full step (generation + judge + update)
# Prints median and best tokens/s (prompt + completion tokens of all sequences / step time) and tokens per CPU
# second (each process's CPU time over the step), the ratio ours/PyTorch
# (goal >= 1.0), the first step's loss and gradient norm on both sides, and a phase breakdown of each step.
#
# Prerequisite (once, and after changing the engine or the plugins):
#   ./mvnw -q -o install -pl platform/engine,plugins/dpo,plugins/grpo -am -DskipTests
# Environment: BENCH_THREADS=2 (torch.set_num_threads and -Dai.djl.pytorch.num_threads; inter-op 1 on both),
#   BENCH_TORCH_BLAS_DIR: a directory holding libblas.so.3 (+ what it needs) for the PyTorch process only: Debian's
#     python3-torch links libblas.so.3, the reference BLAS on this machine. Use the OpenMP build of OpenBLAS
#     (`apt-get download libopenblas0-openmp; dpkg-deb -x *.deb DIR`, then DIR/usr/lib/x86_64-linux-gnu/openblas-openmp):
#     the pthread build's own threads fight torch's OpenMP threads at 2 threads (PyTorch ~1.8x slower, see
#     docs/BENCHMARKS.md "Training steps — DPO and GRPO"),
#   BENCH_ALGOS=dpo,grpo, BENCH_WARMUP=2, BENCH_ROUNDS=5, BENCH_PER_ROUND=2, BENCH_PHASES=3,
#   BENCH_OUT=bench/train/target/results
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
PY=/usr/bin/python3
THREADS="${BENCH_THREADS:-2}"
OUT="${BENCH_OUT:-$REPO/bench/train/target/results}"
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/plumbline-train-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "== build bench/train (engine and plugins from ~/.m2)" >&2
./mvnw -B -q -f bench/train/pom.xml package
# Private copies of the bench classes and the Plumbline jars: a concurrent `mvnw install` by someone else must not
# swap classes under the running JVM.
mkdir -p "$WORK/lib"
cp -r "$REPO/bench/train/target/classes" "$WORK/classes"
CP="$WORK/classes"
IFS=: read -r -a ENTRIES < "$REPO/bench/train/target/classpath.txt" || true  # no final newline
for e in "${ENTRIES[@]}"; do
  if [[ "$e" == */dev/plumbline/* ]]; then cp "$e" "$WORK/lib/"; e="$WORK/lib/$(basename "$e")"; fi
  CP="$CP:$e"
done

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== measure (interleaved: engine JVM, PyTorch)" >&2
TORCH_ENV=()
if [[ -n "${BENCH_TORCH_BLAS_DIR:-}" ]]; then
  TORCH_ENV=(env "LD_LIBRARY_PATH=$BENCH_TORCH_BLAS_DIR" "OPENBLAS_NUM_THREADS=$THREADS")
fi
RESULT="$("${TORCH_ENV[@]}" "$PY" bench/train/train_bench.py --classpath "$CP" --threads "$THREADS" \
  --djl-cache "${DJL_CACHE_DIR:-$REPO/.cache/djl}" --work "$WORK" --algos "${BENCH_ALGOS:-dpo,grpo}" \
  --warmup "${BENCH_WARMUP:-2}" --rounds "${BENCH_ROUNDS:-5}" --per-round "${BENCH_PER_ROUND:-2}" \
  --phases "${BENCH_PHASES:-3}" --out "$OUT/results.json")"
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);" \
    "load average before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1); torch: $("$PY" -c 'import torch; print(torch.__version__)');" \
    "intra-op threads $THREADS, inter-op 1;" \
    "PyTorch BLAS: ${BENCH_TORCH_BLAS_DIR:-system libblas.so.3 ($(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3))}"
  echo
  echo "$RESULT"
} | tee "$OUT/table.txt"
