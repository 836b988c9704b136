#!/usr/bin/env bash
# The trial stack, from a fresh Debian 12 machine: dependencies, build, the Synapse
# root (cached), then Synapse, Janus with the plugin and matrix-glue on 127.0.0.1,
# with two bot callers in a conference room and a test user for a person to join.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)"
bash scripts/prepare-synapse.sh
exec /usr/bin/python3 scripts/stack.py --plugin build/janus-plugin/libjanus_conference.so \
  --glue build/matrix-glue/matrix-glue "$@"
