#!/usr/bin/env bash
# `./fleet demo`: the demo organisation (lab/demo/Pulumi.demo.yaml) deployed with the real `pulumi up` onto a Docker
# engine of its own in the lab's namespaces, proven (an admin, a two-party call), shown, held for DEMO_HOLD seconds
# (`./fleet demo --hold 600`; Enter ends it sooner), destroyed, and its engine and namespaces removed.
# `./fleet demo down` removes what a killed demo left behind. Root: it creates network namespaces.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=lab/deploy/common.sh
source lab/deploy/common.sh
case "${1:-}" in
  down)
    lab_lock
    LAB_DIR="$PWD/.lab/demo"
    lab_down
    ;;
  --hold)
    export DEMO_HOLD="${2:?--hold needs seconds}"
    ;;
  "") ;;
  *)
    echo "usage: ./fleet demo [--hold <seconds>] | ./fleet demo down" >&2
    exit 2
    ;;
esac
started=$SECONDS
lab_lock
trap lab_down EXIT
lab_up "$PWD/.lab/demo" demo
NODE_EXTRA_CA_CERTS="$LAB_CA_DIR/ca.pem" ip netns exec mfd-hub node --import tsx lab/demo/demo.ts
echo "demo: $((SECONDS - started)) s in all"
