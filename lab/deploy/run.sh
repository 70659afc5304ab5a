#!/usr/bin/env bash
# The Docker lab: the organisations deployed with the real `pulumi up` (tools/engine) onto Docker engines of their
# own, each site behind its own router (network.sh, engines.sh), with images built here (lab/images), then the
# scenarios in lab/deploy/*.test.ts. Usage: bash lab/deploy/run.sh [test files...]; LAB_TEST_PATTERN filters.
# Everything it starts is stopped by PID and every namespace removed at the end, also when a scenario fails.
# One lab at a time per machine (the namespaces have fixed names): a lock, waited for up to an hour.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
started=$SECONDS
CACHE="${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}"
mkdir -p "$CACHE"
exec 6>"$CACHE/lab.lock"
if ! flock -n 6; then
  echo "deploy-lab: another lab holds $CACHE/lab.lock; waiting (at most 1 h)"
  flock -w 3600 6 || { echo "deploy-lab: gave up waiting for the lab lock" >&2; exit 1; }
fi
STACKS=(produktor pro-dukt moda1)
LAB_DIR="$PWD/.lab/deploy"

cleanup() {
  local status=$?
  if [ -f "$LAB_DIR/pids" ]; then
    while read -r pid name; do kill -9 "$pid" 2>/dev/null && echo "deploy-lab: stopped leftover $name ($pid)"; done <"$LAB_DIR/pids" || true
  fi
  bash lab/deploy/engines.sh stop || true
  bash lab/deploy/network.sh down || true
  exit $status
}
trap cleanup EXIT

# shellcheck source=/dev/null
source "$(bash lab/setup.sh)"
# shellcheck source=/dev/null
source "$(bash tools/engine/install.sh)"
LAB_CA_DIR=$(bash lab/images/ca.sh)
ROOTFS=$(bash lab/images/rootfs.sh "$CACHE/lab/lab-env.sh" "$LAB_CA_DIR/ca.pem")
export LAB_CA_DIR

mkdir -p "$LAB_DIR"
: >"$LAB_DIR/pids"
node --import tsx lab/deploy/hosts.ts >"$LAB_DIR/hosts"
bash lab/deploy/network.sh up "$LAB_DIR/hosts"
phase=$SECONDS
bash lab/deploy/engines.sh start "${STACKS[@]}" >/dev/null
for stack in "${STACKS[@]}"; do
  LAB_IMAGES=$(DOCKER_HOST="unix:///run/matrix-fleet-lab/docker-$stack.sock" bash lab/images/build.sh "$ROOTFS")
done
export LAB_IMAGES
echo "deploy-lab: network, ${#STACKS[@]} engines and their images ready in $((SECONDS - phase)) s"

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(lab/deploy/*.test.ts)
status=0
NODE_EXTRA_CA_CERTS="$LAB_CA_DIR/ca.pem" LAB_DIR="$LAB_DIR" ip netns exec mfd-hub \
  node --import tsx --test --test-concurrency=1 --test-reporter=spec \
  ${LAB_TEST_PATTERN:+--test-name-pattern="$LAB_TEST_PATTERN"} "${files[@]}" || status=$?
echo "deploy-lab: whole run $((SECONDS - started)) s"
exit $status
