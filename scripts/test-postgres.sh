#!/usr/bin/env bash
# Runs the persistence tests against a real PostgreSQL 15 (Debian package) that this script starts
# on 127.0.0.1:55432 in a throw-away directory and stops afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$PG_BIN/initdb" ] || { echo "test-postgres: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
PORT="${PLUMBLINE_PG_PORT:-55432}"
DIR="$(mktemp -d /tmp/plumbline-pg.XXXXXX)"
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$DIR"
  RUN_AS=(runuser -u postgres --)
fi
cleanup() {
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -w -l "$DIR/log" \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
"${RUN_AS[@]}" psql -h 127.0.0.1 -p "$PORT" -U postgres -q -c 'create database plumbline'
echo "test-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"

cd "$ROOT"
PLUMBLINE_PG_URL="jdbc:postgresql://127.0.0.1:$PORT/plumbline" \
  ./mvnw -B -q -pl platform/server test -Dquarkus.test.profile=test,pg \
  -Dtest='MigrationTest,RunServiceTest' -Dsurefire.failIfNoSpecifiedTests=false
