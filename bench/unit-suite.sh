#!/usr/bin/env bash
# `npm run bench:unit`: how long the unit suite takes here, as `./fleet test` runs it, against its target (issue
# #20: under 30 s on the 2-core machines). A measurement, not a test: it prints figures and asserts nothing.
#   RUNS=5 npm run bench:unit     (default 3 runs; prints each and the median)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${RUNS:-3}
times=()
for i in $(seq "$runs"); do
  started=$(date +%s.%N)
  node --import tsx --test --test-concurrency="$(nproc)" test/*.test.ts >/tmp/matrix-fleet-bench-unit.log 2>&1 ||
    { tail -20 /tmp/matrix-fleet-bench-unit.log; exit 1; }
  seconds=$(echo "$(date +%s.%N) - $started" | bc)
  times+=("$seconds")
  printf 'run %d: %.1f s (%s)\n' "$i" "$seconds" "$(grep -E '^# (pass|fail) ' /tmp/matrix-fleet-bench-unit.log | tr '\n' ' ')"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
printf 'unit suite on %d cores: median %.1f s of %d runs (target: under 30 s)\n' "$(nproc)" "$median" "$runs"
