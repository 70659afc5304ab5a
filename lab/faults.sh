#!/usr/bin/env bash
# Proves the lab catches renderer regressions: for each fault in lab/faults.ts, run the lab with that fault and
# require that the matching scenario fails with a message that names the cause. Exits non-zero otherwise.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$SECONDS
caught=0
missed=0
while IFS=$'\t' read -r name scenario expect; do
  output=$(LAB_FAULT="$name" LAB_TEST_PATTERN="$scenario" bash lab/run.sh 2>&1)
  status=$?
  if [ $status -ne 0 ] && grep -Eq "$expect" <<<"$output"; then
    echo "lab fault $name: caught by '$scenario'"
    caught=$((caught + 1))
  else
    echo "lab fault $name: NOT caught (exit $status, expected /$expect/)"
    tail -n 40 <<<"$output"
    missed=$((missed + 1))
  fi
done < <(node --import tsx lab/faults.ts)
echo "lab faults: $caught caught, $missed missed in $((SECONDS - started)) s"
[ $missed -eq 0 ]
