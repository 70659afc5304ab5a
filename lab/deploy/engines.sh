#!/usr/bin/env bash
# One Docker engine per lab site: Debian's dockerd inside the site's network namespace (so host-networked coturn
# and LiveKit bind the site's own addresses, as on a real Docker host), with its own data root (kept in the cache:
# the lab images stay built between runs), exec root, socket and pid file.
#   engines.sh start <org>...   prints "<org> unix://<socket>" per engine once each answers, emptied of every
#                               container, volume and network a run that was killed left in its data root (only
#                               the images are kept)
#   engines.sh stop             removes every container, network and volume the engines hold, stops each dockerd by
#                               its PID (TERM, then KILL after 30 s) and unmounts what it left behind
#   engines.sh lose <org>       the site's Docker host is lost: its engine is stopped, its data root (images,
#                               volumes, containers) deleted, and a fresh engine started with the lab images built
#                               again from $LAB_ROOTFS (the restore drill, lab/scenarios/backups.ts). From inside a
#                               namespace of `ip netns exec`, run it in the lab's own mount namespace:
#                               nsenter --mount="$LAB_MOUNT_NS" bash engines.sh lose <org>
set -euo pipefail
STATE=/run/matrix-fleet-lab
DATA="${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}/lab-docker"

# Every container (with its anonymous volumes), every volume and every custom network of one engine. Containers
# first: a volume in use cannot go. A killed run leaves its containers in the data root, and with their restart
# policy the next dockerd starts them again, holding the stacks' volumes and host ports (a CI run failed so).
empty_engine() {
  local sock="$1" containers volumes
  containers=$(DOCKER_HOST="$sock" timeout 60 docker ps -aq 2>/dev/null || true)
  # shellcheck disable=SC2086
  [ -z "$containers" ] || DOCKER_HOST="$sock" timeout 120 docker rm -f -v $containers >/dev/null 2>&1 || true
  volumes=$(DOCKER_HOST="$sock" timeout 60 docker volume ls -q 2>/dev/null || true)
  # shellcheck disable=SC2086
  [ -z "$volumes" ] || DOCKER_HOST="$sock" timeout 120 docker volume rm -f $volumes >/dev/null 2>&1 || true
  DOCKER_HOST="$sock" timeout 60 docker network prune -f >/dev/null 2>&1 || true
}

start_one() {
  local org="$1" ns="mfd-$1"
  local exec_root="$STATE/docker-$org" sock="$STATE/docker-$org.sock" pidfile="$STATE/docker-$org.pid"
  mkdir -p "$DATA/$org" "$exec_root"
  # nsenter, not `ip netns exec`: dockerd needs the machine's /sys (cgroups), which ip netns exec remounts.
  # Containers resolve names through the lab's DNS.
  nsenter --net="/var/run/netns/$ns" dockerd --data-root "$DATA/$org" --exec-root "$exec_root" \
    --pidfile "$pidfile" --host "unix://$sock" --storage-driver overlay2 --dns 198.18.0.53 \
    --log-level warn >"$STATE/docker-$org.log" 2>&1 &
  for _ in $(seq 300); do
    if DOCKER_HOST="unix://$sock" docker version >/dev/null 2>&1; then
      empty_engine "unix://$sock"
      local left
      left=$(DOCKER_HOST="unix://$sock" docker ps -aq | wc -l)
      if [ "$left" -ne 0 ]; then
        echo "engines: $left container(s) of an earlier run could not be removed from $org's engine" >&2
        return 1
      fi
      echo "$org unix://$sock"
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$STATE/docker-$org.log" >&2
  echo "engines: dockerd for $org did not answer within 30 s" >&2
  return 1
}

stop_one() {
  local pidfile="$1"
  local org sock pid
  org=$(basename "$pidfile" .pid)
  org=${org#docker-}
  sock="unix://$STATE/docker-$org.sock"
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    empty_engine "$sock"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "engines: dockerd $org ($pid) did not stop in 30 s: killed" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # Whatever a killed engine left mounted (container roots, its netns files, shm), and the data root itself:
  # dockerd bind-mounts its data root onto itself (private propagation) and leaves it when it cannot unmount it,
  # and a mounted data root cannot be deleted (`lose` failed so in CI: "Device or resource busy").
  local mount
  awk -v state="$STATE/docker-$org" -v root="$DATA/$org" \
    'index($2, state) == 1 || $2 == root || index($2, root "/") == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
  rm -rf "$STATE/docker-$org" "$STATE/docker-$org.sock" "$pidfile"
}

case "${1:-}" in
  start)
    shift
    mkdir -p "$STATE"
    for org in "$@"; do start_one "$org"; done
    ;;
  stop)
    for pidfile in "$STATE"/docker-*.pid; do
      [ -e "$pidfile" ] || continue
      stop_one "$pidfile"
    done
    ;;
  lose)
    org="${2:?usage: engines.sh lose <org>}"
    [ -n "${LAB_ROOTFS:-}" ] && [ -n "${LAB_MONITORING_FILES:-}" ] || {
      echo "engines: LAB_ROOTFS or LAB_MONITORING_FILES is not set (lab/deploy/common.sh exports them)" >&2
      exit 2
    }
    if [ -e "$STATE/docker-$org.pid" ]; then stop_one "$STATE/docker-$org.pid"; fi
    rm -rf "${DATA:?}/$org"
    start_one "$org"
    DOCKER_HOST="unix://$STATE/docker-$org.sock" bash "$(dirname "${BASH_SOURCE[0]}")/../images/build.sh" "$LAB_ROOTFS" "${LAB_MONITORING_FILES:?}" >/dev/null
    ;;
  *)
    echo "usage: engines.sh start <org>... | stop | lose <org>" >&2
    exit 2
    ;;
esac
