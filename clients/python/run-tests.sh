#!/usr/bin/env bash
# Generates the stubs and runs the Python client tests against the packaged servers.
#   clients/python/run-tests.sh            # all tests, verbose, unittest summary at the end
#   clients/python/run-tests.sh -k tls     # extra arguments go to unittest
# Jars: PLUMBLINE_APP_JAR, PLUMBLINE_GATEWAY_JAR (defaults: the repo's build outputs).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$HERE/generate.sh"
cd "$HERE"
exec /usr/bin/python3 -m unittest discover -s tests -t tests -v "$@"
