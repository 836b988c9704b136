#!/usr/bin/env bash
# The trial stack, from a fresh Debian 12 machine: dependencies, build, then
# Janus with the plugin, a demo room with bot talkers and a page to join it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)"
exec /usr/bin/python3 scripts/stack.py --plugin build/janus-plugin/libjanus_conference.so "$@"
