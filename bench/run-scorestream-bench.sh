#!/usr/bin/env bash
# ScoreStream throughput: judge "rules" (rubric harmlessness), ~1 KB responses, from a grpc-java client on
# loopback (bench/stream, not part of the root reactor) against the packaged server, which this script starts
# on a free port with a temporary data dir and stops at the end. The client keeps a bounded number of requests
# in flight, checks every request id comes back in order with a VALID verdict, and prints responses/s and the
# ratio to the 10,000/s goal. Then, for context, the in-process rules throughput (bench/run-judge-bench.sh,
# rules/harmlessness only) in the same session.
#
# Prerequisite (once, and after changing the server or a judge): ./mvnw -B -q install -DskipTests
# Environment: BENCH_REQUESTS=200000 BENCH_WARMUP=20000 BENCH_ROUNDS=3 BENCH_WINDOW=1024
#   BENCH_OUT=bench/stream/target/results; PLUMBLINE_APP_JAR (default platform/server/target/quarkus-app/quarkus-run.jar,
#   run from a private copy); SERVER_JVM_OPTS (extra server JVM options); BENCH_SKIP_INPROCESS=1
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
OUT="${BENCH_OUT:-$REPO/bench/stream/target/results}"
mkdir -p "$OUT"
JAR="${PLUMBLINE_APP_JAR:-$REPO/platform/server/target/quarkus-app/quarkus-run.jar}"
[[ -f "$JAR" ]] || { echo "server jar $JAR missing: ./mvnw -B -q install -DskipTests" >&2; exit 1; }

echo "== build bench/stream (generated JudgeService classes from the installed plumbline-server jar)" >&2
./mvnw -B -q -f bench/stream/pom.xml package
CP="$REPO/bench/stream/target/classes:$(cat "$REPO/bench/stream/target/classpath.txt")"

rm -rf "$OUT/quarkus-app" "$OUT/data"
cp -a "$(dirname "$JAR")" "$OUT/quarkus-app"
mkdir -p "$OUT/data"
PORT="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
echo "== server on port $PORT (log $OUT/server.log)" >&2
# shellcheck disable=SC2086
java -Dai.djl.offline=true -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$PORT" \
  -Dplumbline.data-dir="$OUT/data" ${SERVER_JVM_OPTS:-} -jar "$OUT/quarkus-app/quarkus-run.jar" serve \
  > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$PORT/q/health" > /dev/null 2>&1; then break; fi
  kill -0 "$SERVER" 2>/dev/null || { echo "server exited:" >&2; tail -30 "$OUT/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/q/health" > /dev/null

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(java -version 2>&1 | head -1)"
  echo "load average before $LOAD_BEFORE"
  java -Xms512m -Xmx512m -cp "$CP" dev.plumbline.bench.stream.ScoreStreamBench --port "$PORT" \
    --requests "${BENCH_REQUESTS:-200000}" --warmup "${BENCH_WARMUP:-20000}" --rounds "${BENCH_ROUNDS:-3}" \
    --window "${BENCH_WINDOW:-1024}"
  echo "load average after $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server peak RSS (VmHWM): $(grep VmHWM /proc/$SERVER/status | awk '{print $2/1024 " MiB"}')"
} | tee "$OUT/table.txt"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
trap - EXIT

if [[ "${BENCH_SKIP_INPROCESS:-0}" != 1 ]]; then
  echo "== in-process rules throughput for context (bench/run-judge-bench.sh, one thread)" | tee -a "$OUT/table.txt"
  SKIP_INSTALL=1 bench/run-judge-bench.sh --only rules/harmlessness 2>&1 | tee -a "$OUT/table.txt"
fi
