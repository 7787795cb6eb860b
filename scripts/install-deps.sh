#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing (as root), or says in
# one line what to install.
set -euo pipefail
PACKAGES=(
  postgresql
  python3-grpcio python3-protobuf
  protobuf-compiler protobuf-compiler-grpc grpc-proto
  python3-torch python3-numpy python3-onnx
  openssl curl chromium fonts-liberation
  nodejs
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: please run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
