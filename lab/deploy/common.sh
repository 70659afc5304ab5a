# Sourced by lab/deploy/run.sh and lab/demo/run.sh: the Docker lab's infrastructure, brought up and torn down.
#   lab_lock            one lab at a time per machine (the process lab takes the same lock), waited for up to 1 h
#   lab_up <stack>...   the engine, the lab CA and images' root filesystem, the network with every site, one dockerd
#                       per given stack with the lab images built on it (exports LAB_IMAGES, LAB_CA_DIR)
#   lab_down            removes every container, engine, front and namespace the lab made (the EXIT trap)
LAB_CACHE_ROOT="${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}"

lab_lock() {
  mkdir -p "$LAB_CACHE_ROOT"
  exec 6>"$LAB_CACHE_ROOT/lab.lock"
  if ! flock -n 6; then
    echo "lab: another lab holds $LAB_CACHE_ROOT/lab.lock; waiting (at most 1 h)"
    flock -w 3600 6 || {
      echo "lab: gave up waiting for the lab lock" >&2
      exit 1
    }
  fi
}

# $1: the lab's directory (pid files, hosts file, fronts); the rest: the stacks that get an engine.
lab_up() {
  LAB_DIR="$1"
  shift
  export LAB_DIR
  # shellcheck source=/dev/null
  source "$(bash lab/setup.sh)"
  # shellcheck source=/dev/null
  source "$(bash tools/engine/install.sh)"
  LAB_CA_DIR=$(bash lab/images/ca.sh)
  export LAB_CA_DIR
  local rootfs phase=$SECONDS
  rootfs=$(bash lab/images/rootfs.sh "$LAB_CACHE_ROOT/lab/lab-env.sh" "$LAB_CA_DIR/ca.pem")
  local monitoring
  monitoring=$(bash lab/images/monitoring-files.sh)
  # engines.sh lose builds the images again, monitoring's too.
  export LAB_MONITORING_FILES="$monitoring"
  # A site that loses its Docker host builds the images again on the new engine (engines.sh lose).
  export LAB_ROOTFS="$rootfs"
  # The mount namespace the engines run in (this shell's): the scenarios run under `ip netns exec`, which gives them
  # a copy of it, and reach back into it for what the engines must see (a new engine, a filesystem mounted).
  export LAB_MOUNT_NS="/proc/$$/ns/mnt"
  # A PostgreSQL client of another major than the lab's server, for the backup fault of lab/scenarios/backups.ts
  # (fetched here: the scenarios run in the hub namespace, which reaches no package registry).
  LAB_PG_CLIENT=$(bash lab/deploy/pg-client.sh)
  export LAB_PG_CLIENT
  mkdir -p "$LAB_DIR"
  : >"$LAB_DIR/pids"
  node --import tsx lab/deploy/hosts.ts >"$LAB_DIR/hosts"
  bash lab/deploy/network.sh up "$LAB_DIR/hosts"
  bash lab/deploy/engines.sh start "$@" >/dev/null
  local stack
  for stack in "$@"; do
    LAB_IMAGES=$(DOCKER_HOST="unix:///run/matrix-fleet-lab/docker-$stack.sock" bash lab/images/build.sh "$rootfs" "$monitoring")
  done
  export LAB_IMAGES
  echo "lab: network, $# engine(s) and their images ready in $((SECONDS - phase)) s"
}

lab_down() {
  local status=$?
  if [ -n "${LAB_DIR:-}" ] && [ -f "$LAB_DIR/pids" ]; then
    while read -r pid name; do
      # A lab browser leads its own process group (Playwright starts it detached): its renderers and helpers go too.
      case "$name" in chromium-*) kill -9 -- "-$pid" 2>/dev/null || true ;; esac
      kill -9 "$pid" 2>/dev/null && echo "lab: stopped leftover $name ($pid)"
    done <"$LAB_DIR/pids" || true
  fi
  bash lab/deploy/engines.sh stop || true
  bash lab/deploy/network.sh down || true
  exit $status
}
