#!/usr/bin/env bash
# The Docker lab: the organisations deployed with the real `pulumi up` (tools/engine) onto Docker engines of their
# own, each site behind its own router (network.sh, engines.sh), with images built here (lab/images), then the
# scenarios of lab/deploy/lab.test.ts. Usage: bash lab/deploy/run.sh [test files...]; LAB_TEST_PATTERN filters.
# Everything it starts is stopped by PID and every namespace removed at the end, also when a scenario fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
started=$SECONDS
# shellcheck source=lab/deploy/common.sh
source lab/deploy/common.sh
lab_lock
trap lab_down EXIT
# medex's engine runs its Compose deployment until the cut-over scenario takes it over.
lab_up "$PWD/.lab/deploy" produktor pro-dukt moda1 medex
# The audio load generator of the capacity smoke and benchmark (lab/load): Go, built once per source version into the
# cache, here, because the hub namespace the scenarios run in reaches no module proxy.
LAB_AUDIO_LOAD=$(bash lab/load/build.sh)
export LAB_AUDIO_LOAD

status=0
if [ -n "${LAB_SCRIPT:-}" ]; then
  # A script instead of the scenarios (the deployment benchmark: LAB_SCRIPT=lab/deploy/bench.ts).
  NODE_EXTRA_CA_CERTS="$LAB_CA_DIR/ca.pem" ip netns exec mfd-hub node --import tsx "$LAB_SCRIPT" || status=$?
  exit $status
fi
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(lab/deploy/*.test.ts)
NODE_EXTRA_CA_CERTS="$LAB_CA_DIR/ca.pem" ip netns exec mfd-hub \
  node --import tsx --test --test-concurrency=1 --test-reporter=spec \
  ${LAB_TEST_PATTERN:+--test-name-pattern="$LAB_TEST_PATTERN"} "${files[@]}" || status=$?
echo "deploy-lab: whole run $((SECONDS - started)) s"
exit $status
