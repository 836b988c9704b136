#!/usr/bin/env bash
# The whole test run, from a fresh Debian 12 machine: dependencies, the
# warnings-as-errors build; unit and integration tests with ASan+UBSan, then
# every test again in the normal build.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
# Synapse for the end-to-end tests: Debian unstable in a debootstrap root, cached.
bash scripts/prepare-synapse.sh
jobs=$(nproc)

echo "== format check"
git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run --Werror

echo "== docker-compose.yml (no Docker engine here: validated, not run)"
docker-compose config -q

echo "== build with ASan+UBSan: unit tests, and the plugin inside the real Janus"
cmake -S . -B build-asan -DMCU_SANITIZE=ON -DMCU_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure

echo "== build, all tests"
cmake -S . -B build -DMCU_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure
