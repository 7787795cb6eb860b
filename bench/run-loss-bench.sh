#!/usr/bin/env bash
# ComputeLoss benchmarks: DPO 4096 pairs and GRPO 64 x 1024 tokens, float32, with gradients.
#   (a) in process: LossKernel.compute in a plain JVM (bench/loss, not part of the root reactor)
#   (b) over gRPC: the Python client (/usr/bin/python3, grpcio) against the packaged server on loopback
#   (c) PyTorch eager (Debian python3-torch): the same loss + backward on leaf tensors
# The three are interleaved round by round (the machine is shared); one table with medians, IQRs, minima and
# the ratios in-process/PyTorch (goal <= 1.0) and gRPC/in-process (goal <= 2.0) is printed at the end.
#
# Prerequisite (once, and after changing the engine, a plugin or the server): ./mvnw -B -q install -DskipTests
#
# Environment:
#   BENCH_THREADS=2                 intra-op threads everywhere: torch.set_num_threads, and
#                                   -Dai.djl.pytorch.num_threads for the in-process JVM and the server
#   BENCH_ROUNDS=10 BENCH_PER_ROUND=10 BENCH_WARMUP=20
#                                   timed calls per measurement = rounds x per-round, after the warm-up calls
#   BENCH_OUT=bench/loss/target/results   data, results.json and table.txt
#   BENCH_SKIP_GRPC=1               skip (b) (no server jar needed)
#   BENCH_COPY_APP=1 (default)      run the server from a private copy of quarkus-app, so a concurrent rebuild of
#                                   platform/server cannot pull classes from under it
#   PLUMBLINE_APP_JAR               server jar (default platform/server/target/quarkus-app/quarkus-run.jar)
# OPENBLAS_CORETYPE and the like are passed through unchanged.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
PY=/usr/bin/python3
THREADS="${BENCH_THREADS:-2}"
OUT="${BENCH_OUT:-$REPO/bench/loss/target/results}"
DATA="$OUT/data"
mkdir -p "$OUT"

echo "== build bench/loss (engine and plugins from ~/.m2)" >&2
./mvnw -B -q -f bench/loss/pom.xml package
CP="$REPO/bench/loss/target/classes:$(cat "$REPO/bench/loss/target/classpath.txt")"

echo "== data" >&2
"$PY" bench/loss_bench.py data "$DATA"

GRPC_ARGS=()
if [[ "${BENCH_SKIP_GRPC:-0}" == 1 ]]; then
  GRPC_ARGS+=(--no-grpc)
else
  JAR="${PLUMBLINE_APP_JAR:-$REPO/platform/server/target/quarkus-app/quarkus-run.jar}"
  if [[ ! -f "$JAR" ]]; then
    echo "server jar $JAR missing: ./mvnw -B -q install -DskipTests (or BENCH_SKIP_GRPC=1)" >&2
    exit 1
  fi
  if [[ "${BENCH_COPY_APP:-1}" == 1 ]]; then
    rm -rf "$OUT/quarkus-app"
    cp -a "$(dirname "$JAR")" "$OUT/quarkus-app"
    JAR="$OUT/quarkus-app/$(basename "$JAR")"
  fi
  export PLUMBLINE_APP_JAR="$JAR"
fi

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== measure (interleaved: in-process JVM, gRPC, PyTorch)" >&2
"$PY" bench/loss_bench.py run "$DATA" "$OUT/results.json" --classpath "$CP" \
  --djl-cache "${DJL_CACHE_DIR:-$REPO/.cache/djl}" --threads "$THREADS" \
  --rounds "${BENCH_ROUNDS:-10}" --per-round "${BENCH_PER_ROUND:-10}" --warmup "${BENCH_WARMUP:-20}" \
  "${GRPC_ARGS[@]}"

{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);" \
    "load average before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1); torch: $("$PY" -c 'import torch; print(torch.__version__)')"
  echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; intra-op threads $THREADS;" \
    "rounds ${BENCH_ROUNDS:-10} x ${BENCH_PER_ROUND:-10} after ${BENCH_WARMUP:-20} warm-up; float32 with gradients;" \
    "gRPC client: Python grpcio on loopback"
  echo
  "$PY" bench/loss_bench.py table "$OUT/results.json"
} | tee "$OUT/table.txt"
