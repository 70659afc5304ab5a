#!/usr/bin/env bash
# The call lab: real Synapse, PostgreSQL, coturn, LiveKit and nginx, fed with what `render` produces for the real
# organisation stacks, inside a network namespace of their own. Usage: bash lab/run.sh (or npm run lab).
# Everything it starts is stopped by PID and the namespace is removed at the end, also when a test fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$SECONDS
bash lab/setup.sh
# shellcheck source=/dev/null
source .cache/lab-env.sh
NS=mflab

cleanup() {
  if [ -f .lab/pids ]; then
    while read -r pid name; do kill -9 "$pid" 2>/dev/null && echo "lab: stopped leftover $name ($pid)"; done <.lab/pids || true
  fi
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "/etc/netns/$NS"
}
trap cleanup EXIT
cleanup

ip netns add "$NS"
ip -n "$NS" link set lo up
# One interface holds every organisation's lab address (prepare.ts adds them). It is one end of a veth
# pair whose other end is in the namespace too (this kernel has no dummy devices): no route leaves.
ip -n "$NS" link add lab0 type veth peer name lab1
ip -n "$NS" link set lab0 up
ip -n "$NS" link set lab1 up
node --import tsx lab/prepare.ts
lab_started=$SECONDS
status=0
NODE_EXTRA_CA_CERTS="$PWD/.lab/ca/ca.pem" ip netns exec "$NS" \
  node --import tsx --test --test-concurrency=1 --test-reporter=spec ${LAB_TEST_PATTERN:+--test-name-pattern="$LAB_TEST_PATTERN"} lab/*.test.ts || status=$?
echo "lab: scenarios took $((SECONDS - lab_started)) s, whole lab $((SECONDS - started)) s"
exit $status
