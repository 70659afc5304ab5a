#!/usr/bin/env bash
# Proves the lab catches renderer regressions: for each fault in lab/faults.ts, run the lab with that fault and
# require that every scenario listed for it fails with a message that names the cause. A fault listed for two
# scenarios (the scenario itself and `verify`) is injected once: one lab run with both scenarios selected.
# Exits non-zero when a fault is not caught.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
started=$SECONDS
caught=0
missed=0
declare -A scenarios expects
names=()
while IFS=$'\t' read -r name scenario expect; do
  if [ -z "${scenarios[$name]:-}" ]; then
    names+=("$name")
    scenarios[$name]="$scenario"
    expects[$name]="$expect"
  else
    scenarios[$name]+="|$scenario"
    expects[$name]+=$'\n'"$expect"
  fi
done < <(node --import tsx lab/faults.ts)
for name in "${names[@]}"; do
  fault_started=$SECONDS
  output=$(LAB_FAULT="$name" LAB_TEST_PATTERN="${scenarios[$name]}" bash lab/run.sh 2>&1)
  status=$?
  unmatched=()
  while IFS= read -r expect; do
    grep -Eq "$expect" <<<"$output" || unmatched+=("$expect")
  done <<<"${expects[$name]}"
  if [ $status -ne 0 ] && [ ${#unmatched[@]} -eq 0 ]; then
    echo "lab fault $name: caught by '${scenarios[$name]}' ($((SECONDS - fault_started)) s)"
    caught=$((caught + 1))
  else
    echo "lab fault $name: NOT caught by '${scenarios[$name]}' (exit $status; no match for: ${unmatched[*]:-})"
    tail -n 40 <<<"$output"
    missed=$((missed + 1))
  fi
done
echo "lab faults: $caught caught, $missed missed in $((SECONDS - started)) s"
[ $missed -eq 0 ]
