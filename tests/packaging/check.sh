# Sourced by the packaging tests: check WHAT CMD... runs CMD and prints "ok: WHAT" or
# "FAIL: WHAT", counting the failures in $failures.
failures=0

check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAIL: $what"
    failures=$((failures + 1))
  fi
}
