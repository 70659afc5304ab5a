#!/usr/bin/env bash
# The call lab: real Synapse, PostgreSQL, coturn, LiveKit and nginx, fed with what `render` produces for the real
# organisation stacks, inside a network namespace of their own. Usage: bash lab/run.sh (or npm run lab).
# Everything it starts is stopped by PID and the namespace is removed at the end, also when a test fails.
# lab/: this script, the scenarios (*.test.ts) and their helpers. Its TypeScript may import facts/, config/,
# model/, config-templates/, checks/, adopt/, verify/ and cli/ (it renders with cli/render.ts); nothing imports lab/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$SECONDS
# One lab at a time per machine (fixed namespace names, shared with the Docker lab's lock), waited for up to 1 h.
LOCK_DIR="${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}"
mkdir -p "$LOCK_DIR"
exec 6>"$LOCK_DIR/lab.lock"
flock -w 3600 6 || { echo "lab: another lab held $LOCK_DIR/lab.lock for an hour" >&2; exit 1; }
# shellcheck source=/dev/null
source "$(bash lab/setup.sh)"
NS=mflab
CLIENT_NS=mflab-client

cleanup() {
  if [ -f .lab/pids ]; then
    while read -r pid name; do kill -9 "$pid" 2>/dev/null && echo "lab: stopped leftover $name ($pid)"; done <.lab/pids || true
  fi
  ip netns del "$NS" 2>/dev/null || true
  ip netns del "$CLIENT_NS" 2>/dev/null || true
  rm -rf "/etc/netns/$NS"
}
trap cleanup EXIT
cleanup

ip netns add "$NS"
ip -n "$NS" link set lo up
# Ephemeral ports below the relay ranges: Linux's default (32768-60999) overlaps coturn's 49160-49200 and
# LiveKit's 50100-50200, and a client socket that happens to get such a port makes coturn refuse an allocation.
ip netns exec "$NS" sysctl -q -w net.ipv4.ip_local_port_range="20000 32000"
# One interface holds every organisation's lab address (prepare.ts adds them). It is one end of a veth
# pair whose other end is in the namespace too (this kernel has no dummy devices): no route leaves.
ip -n "$NS" link add lab0 type veth peer name lab1
ip -n "$NS" link set lab0 up
ip -n "$NS" link set lab1 up
# The clients' network: a second namespace on a veth to the lab, routed to the lab addresses only, whose
# firewall admits nothing it did not ask for (a phone behind its home router). ICE then cannot fall back to a
# path LiveKit opens itself, so media flows only to the address LiveKit announces.
ip netns add "$CLIENT_NS"
ip -n "$CLIENT_NS" link set lo up
ip link add mflab-up netns "$NS" type veth peer name mflab-cl netns "$CLIENT_NS"
ip -n "$NS" addr add 198.19.0.1/24 dev mflab-up
ip -n "$NS" link set mflab-up up
ip -n "$CLIENT_NS" addr add 198.19.0.2/24 dev mflab-cl
ip -n "$CLIENT_NS" link set mflab-cl up
ip -n "$CLIENT_NS" route add 198.18.0.0/15 via 198.19.0.1
ip netns exec "$CLIENT_NS" nft -f - <<'NFT'
table inet client_firewall {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
  }
}
NFT
node --import tsx lab/prepare.ts
lab_started=$SECONDS
status=0
NODE_EXTRA_CA_CERTS="$PWD/.lab/ca/ca.pem" ip netns exec "$NS" \
  node --import tsx --test --test-concurrency=1 --test-reporter=spec ${LAB_TEST_PATTERN:+--test-name-pattern="$LAB_TEST_PATTERN"} lab/*.test.ts || status=$?
echo "lab: scenarios took $((SECONDS - lab_started)) s, whole lab $((SECONDS - started)) s"
exit $status
