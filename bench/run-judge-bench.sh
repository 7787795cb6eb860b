#!/usr/bin/env bash
# Judge throughput in process, one thread, 1,024-character responses (docs/BENCHMARKS.md, "Judges").
#   bench/run-judge-bench.sh                      # installs the judge modules, then runs every case
#   SKIP_INSTALL=1 bench/run-judge-bench.sh --only rules/harmlessness --rounds 7
# Options after the script name go to dev.plumbline.bench.JudgeBench (--warmup-seconds, --seconds, --rounds, --only).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${SKIP_INSTALL:-0}" != 1 ]]; then
  ./mvnw -B -q install -DskipTests -pl platform/spi,evals,plugins/judge-rules,plugins/judge-toxicity -am
fi
./mvnw -B -q -f bench/judges/pom.xml package
# A fixed heap so that garbage collection sizing does not differ between runs.
exec java -Xms1g -Xmx1g ${JUDGE_BENCH_JVM_OPTS:-} \
  -cp "bench/judges/target/classes:$(cat bench/judges/target/classpath.txt)" \
  dev.plumbline.bench.JudgeBench --datasets ../shared/datasets "$@"
