#!/usr/bin/env bash
# The whole test run, from a fresh Debian 12 machine (as root, or with sudo):
# dependencies; the warnings-as-errors build; unit and integration tests with
# ASan+UBSan and with ThreadSanitizer; then every test in the normal
# build: against Debian 12's Janus 1.1.2, against Debian unstable's Janus 1.4.1
# (plugin built in that root), the Debian packages installed into clean roots, and
# the docker-compose trial under podman; last, each libFuzzer target for a short
# fixed time.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
part_started=$SECONDS
part_name=""
timings=()
part() {
  if [ -n "$part_name" ]; then
    timings+=("$(printf '%5d s  %s' $((SECONDS - part_started)) "$part_name")")
  fi
  part_name=$1
  part_started=$SECONDS
  [ -z "$1" ] || echo "== $1"
}
# Every ctest run's tally, summed into the closing line.
passed=0
failed=0
run_ctest() {
  local out rc=0 tally
  out=$(mktemp)
  ctest --output-on-failure "$@" 2>&1 | tee "$out" || rc=$?
  tally=$(sed -n 's/.*tests passed, \([0-9]*\) tests\? failed out of \([0-9]*\).*/\2 \1/p' "$out")
  rm -f "$out"
  if [ -n "$tally" ]; then
    set -- $tally
    passed=$((passed + $1 - $2))
    failed=$((failed + $2))
  fi
  return "$rc"
}
finish() {
  local rc=$?
  part ""
  echo "== durations"
  printf '%s\n' "${timings[@]}"
  printf '%5d s  in all\n' $((SECONDS - started))
  echo "ctest: $passed passed, $failed failed"
  exit "$rc"
}
trap finish EXIT

part "dependencies (Debian 12 packages)"
bash scripts/install-deps.sh
part "Debian-unstable root: Synapse, Janus 1.4.1 and build tools (cached)"
bash scripts/prepare-synapse.sh
part "clean Debian roots for the package tests (cached)"
bash scripts/prepare-debian-roots.sh
jobs=$(nproc)

part "format check"
git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run --Werror

part "build with ASan+UBSan: unit tests, and the plugin inside the real Janus"
cmake -S . -B build-asan -DMCU_SANITIZE=ON -DMCU_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
run_ctest --test-dir build-asan

part "build with ThreadSanitizer: unit tests, and the plugin inside the real Janus"
cmake -S . -B build-tsan -DMCU_TSAN=ON -DMCU_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-tsan -j"$jobs"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" run_ctest --test-dir build-tsan -L unit
# The harness sets TSAN_OPTIONS (suppressions for Janus' uninstrumented libraries) itself.
run_ctest --test-dir build-tsan -L tsan

part "build, tests against Debian 12's Janus 1.1.2"
cmake -S . -B build -DMCU_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
run_ctest --test-dir build -LE 'janus-latest|packaging|compose'

part "plugin built in the Debian-unstable root, tests against its Janus 1.4.1"
run_ctest --test-dir build -L janus-latest

part "Debian packages: configure rules, build, install into clean roots"
run_ctest --test-dir build -L packaging

part "docker-compose trial under podman: images (cached), stack in a network namespace, two callers"
run_ctest --test-dir build -L compose

part "libFuzzer targets (clang, ASan+UBSan), 25 s each"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DMCU_FUZZ=ON -DMCU_TESTS=OFF -DMCU_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzzers
run_ctest --test-dir build-fuzz -L fuzz
