#!/usr/bin/env bash
# Lints the proto contract with buf (STANDARD rules). Installs buf from npm into proto/.buf-tool/
# (gitignored) on first use. Exit status is non-zero when buf reports findings.
#   proto/lint.sh            # lint
#   BUF_VERSION=1.75.0 proto/lint.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUF_VERSION="${BUF_VERSION:-1.75.0}"
TOOL_DIR="$HERE/.buf-tool"
BUF="$TOOL_DIR/node_modules/.bin/buf"

if [ ! -x "$BUF" ] || [ "$("$BUF" --version 2>/dev/null)" != "$BUF_VERSION" ]; then
  command -v npm >/dev/null || { echo "lint.sh: needs npm (apt-get install npm)" >&2; exit 2; }
  echo "lint.sh: installing @bufbuild/buf@$BUF_VERSION into $TOOL_DIR" >&2
  mkdir -p "$TOOL_DIR"
  [ -f "$TOOL_DIR/package.json" ] || echo '{"name":"plumbline-buf-tool","private":true}' > "$TOOL_DIR/package.json"
  npm install --prefix "$TOOL_DIR" --no-audit --no-fund --loglevel=error "@bufbuild/buf@$BUF_VERSION" >&2
fi

cd "$HERE"
"$BUF" lint
echo "buf lint: OK ($("$BUF" --version), $(find src/main/proto -name '*.proto' | wc -l) files)"
