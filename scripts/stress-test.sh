#!/usr/bin/env bash
# Runs the Node test suite several rounds in a row while two CPU-bound
# processes keep two cores busy: a test that depends on timing fails here.
# The busy processes are stopped however the script ends; it exits non-zero
# if any round failed.
#
# Usage: scripts/stress-test.sh [TEST_FILE...]
#   With no files, each round is `npm run test:node`; with files, each round
#   runs just those. STRESS_ROUNDS sets the number of rounds (default 3).
set -uo pipefail

readonly rounds=${STRESS_ROUNDS:-3}
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '[stress-test] %s\n' "$*"; }

busy_pids=()
stop_busy() {
  ((${#busy_pids[@]})) || return 0
  kill "${busy_pids[@]}" 2>/dev/null
  wait "${busy_pids[@]}" 2>/dev/null
  busy_pids=()
}
trap stop_busy EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

run_round() {
  if (($# == 0)); then
    npm run --silent test:node
  else
    node --harmony-rab-gsab-transfer --import tsx --test --test-timeout=600000 --test-reporter=spec "$@"
  fi
}

# The integration tests spawn dist/cli.js: build it once, before the load starts.
npm run --silent build || exit 1

for _ in 1 2; do
  yes >/dev/null &
  busy_pids+=($!)
done
log "two busy processes: ${busy_pids[*]}"

failed=0
for ((round = 1; round <= rounds; round++)); do
  log "round $round of $rounds"
  started=$SECONDS
  if run_round "$@"; then
    log "round $round passed in $((SECONDS - started)) s"
  else
    log "round $round FAILED in $((SECONDS - started)) s"
    failed=$((failed + 1))
  fi
done

log "$((rounds - failed)) of $rounds rounds passed"
((failed == 0))
