#!/usr/bin/env bash
# Runs the libFuzzer targets one after another, niced, each for a fixed time, and fails if any
# of them crashes, leaks, trips a sanitizer or an invariant, or times out on one input.
#
#   fuzz/run-fuzzers.sh [--seconds N] [--build-dir DIR] [--work-dir DIR] [TARGET...]
#
# TARGET defaults to every fuzz_* binary in the build dir (default build-fuzz/fuzz). New inputs
# go to WORK/corpus/TARGET (default build-fuzz/fuzz/work), so the seeds in fuzz/corpus stay as
# committed and a later run goes on from where the last one stopped; crashing inputs go to
# WORK/artifacts. Reproduce one with: BUILD/TARGET WORK/artifacts/TARGET-crash-...
set -euo pipefail

src=$(cd "$(dirname "$0")" && pwd)
seconds=25
build=$(dirname "$src")/build-fuzz/fuzz
work=
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    --work-dir) work=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "run-fuzzers.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
work=${work:-$build/work}
if [ ${#targets[@]} -eq 0 ]; then
  for bin in "$build"/fuzz_*; do
    [ -x "$bin" ] && targets+=("$(basename "$bin")")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "run-fuzzers.sh: no fuzz_* binaries in $build (cmake --build ... --target fuzzers)" >&2
  exit 2
fi

failed=()
for t in "${targets[@]}"; do
  bin=$build/$t
  if [ ! -x "$bin" ]; then
    echo "run-fuzzers.sh: $bin is missing" >&2
    failed+=("$t")
    continue
  fi
  mkdir -p "$work/corpus/$t" "$work/artifacts"
  opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192
        -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-")
  [ -f "$src/dict/$t.dict" ] && opts+=(-dict="$src/dict/$t.dict")
  log=$work/$t.log
  echo "== $t: ${seconds}s (log: $log)"
  start=$(date +%s)
  TIMEFORMAT='%U %S'
  if cpu=$({ time nice -n 10 "$bin" "${opts[@]}" "$work/corpus/$t" "$src/corpus/$t" \
      >"$log" 2>&1; } 2>&1); then
    status=ok
  else
    status=FAILED
    failed+=("$t")
    grep -E "^(==[0-9]+==ERROR|SUMMARY|fuzz invariant|.*runtime error)" "$log" | head -20 || true
    grep -E "Test unit written to" "$log" || true
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  cov=$(grep -oE "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[^ ]+" "$log" | tail -1 || true)
  cpu=$(echo "$cpu" | awk 'END { printf "%.0f", $1 + $2 }')
  echo "   $status: ${execs:-?} runs in $(($(date +%s) - start)) s, ${cpu} CPU-s (${rate:-?}/s)," \
       "peak RSS ${rss:-?} MB, $cov"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run-fuzzers.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "run-fuzzers.sh: ${#targets[@]} targets ran ${seconds}s each without a finding"
