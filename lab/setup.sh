#!/usr/bin/env bash
# Installs what the call lab runs, idempotently, and caches the slow parts outside the clone (a fresh CI clone on a
# machine that ran the lab before reuses them), in ${MATRIX_FLEET_CACHE:-$HOME/.cache/matrix-fleet}/lab:
#   1. Debian packages: coturn, nginx, PostgreSQL, openssl, iproute2, nftables, chromium-headless-shell, libpq-dev and what building
#      psycopg2 needs. Their packaged services are neither started nor enabled: the lab runs its own instances.
#   2. A Python venv with a pinned matrix-synapse[postgres] (.cache/synapse-venv-<version>).
#   3. livekit-server built from its Go module through a generated wrapper module (.cache/bin/livekit-server-<v>).
#   4. .cache/lab-env.sh: the paths the lab uses (SYNAPSE_PYTHON, LIVEKIT_SERVER, TURNSERVER, NGINX, PG_BIN, OPENSSL,
#      CHROMIUM).
# Prints every step with what it installs and how long it took. Cold: minutes (the LiveKit build); warm: seconds.
# Versions default to the pinned images in facts/images.ts, so the lab proves what gets deployed; override them with
# SYNAPSE_VERSION=1.163.2 / LIVEKIT_VERSION=v1.13.5. LiveKit from v1.13.6 on replaces pion modules with LiveKit
# forks that the Go module proxy refuses (403), so those versions fail here with the proxy's error (see
# lab/README-setup.md). LAB_CACHE moves the cache. Needs root only when a package is missing.
# Usage: bash lab/setup.sh; it prints the path of lab-env.sh, to source.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
CACHE="${LAB_CACHE:-${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}/lab}"
mkdir -p "$CACHE/bin" "$CACHE/logs"
CACHE=$(cd "$CACHE" && pwd)

say() { echo "lab-setup: $*" >&2; }
fail() {
  echo "lab-setup: ERROR: $*" >&2
  exit 1
}

# The pinned image tag of a component, from facts/images.ts' release set ("matrixdotorg/synapse:v1.163.2" -> 1.163.2).
image_version() {
  local v
  v=$(sed -nE "s#.*\"$1:v?([0-9][0-9A-Za-z.+-]*)\".*#\1#p" "$ROOT/facts/images.ts" | head -n 1)
  [ -n "$v" ] || fail "no pinned $1 image in facts/images.ts; set the version explicitly"
  echo "$v"
}
SYNAPSE_VERSION="${SYNAPSE_VERSION:-$(image_version matrixdotorg/synapse)}"
# The previous release set's Synapse (facts/images.ts PREVIOUS_RELEASE): the Docker lab deploys it and upgrades it.
PREVIOUS_SYNAPSE_VERSION=$(sed -nE '/PREVIOUS_RELEASE/,/^};/s#.*"matrixdotorg/synapse:v?([0-9][0-9A-Za-z.+-]*)".*#\1#p' "$ROOT/facts/images.ts" | head -n 1)
LIVEKIT_VERSION="${LIVEKIT_VERSION:-v$(image_version livekit/livekit-server)}"
SYNAPSE_VERSION="${SYNAPSE_VERSION#v}"
[[ "$LIVEKIT_VERSION" == v* ]] || LIVEKIT_VERSION="v$LIVEKIT_VERSION"
LIVEKIT_MODULE=github.com/livekit/livekit-server

# One setup at a time (two lab runs started together must not build the same venv twice). Bounded wait.
exec 9>"$CACHE/.setup.lock"
flock -w 1800 9 || fail "another lab/setup.sh held $CACHE/.setup.lock for 30 minutes"

# Step timing in tenths of a second (EPOCHREALTIME: bash >= 5).
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }
STEP_NAMES=()
STEP_TIMES=()
STEP_NOTES=()
step_started=0
step_name=""
step() {
  step_name="$1"
  step_started=$(now_ms)
  say "[$((${#STEP_NAMES[@]} + 1))/4] $step_name"
}
step_done() {
  local ms=$(($(now_ms) - step_started))
  local secs
  secs=$(printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100)))
  STEP_NAMES+=("$step_name")
  STEP_TIMES+=("$secs")
  STEP_NOTES+=("$1")
  say "    $1 (${secs} s)"
}
# Runs a command with its output in a log file; prints the log's tail when it fails.
logged() {
  local log="$CACHE/logs/$1.log"
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "lab-setup: FAILED: $* (last lines of $log):" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------------------------
step "Debian packages"
# psycopg2 (Synapse's PostgreSQL driver) has no wheel: it builds against libpq (pg_config) with gcc and Python.h.
# The Docker lab (lab/deploy) adds Debian's Docker engine with iptables, docker-compose (v1, for the Compose
# deployment it adopts), debootstrap (the lab images' root filesystem), dnsmasq (the lab's DNS) and restic (0.14.0,
# the pinned restic/restic image's version: its static binary goes into the lab's backup image, lab/images/restic).
# The lab browser (lab/browser/) is Debian's chromium-headless-shell (the headless build of Debian's chromium source
# package, what Playwright runs for headless), with NSS's certutil (libnss3-tools) to make it trust the lab CA;
# Playwright's own browser download is never run (playwright-core has none).
PACKAGES=(coturn nginx postgresql openssl iproute2 nftables procps curl libpq-dev gcc libc6-dev
  docker.io iptables docker-compose debootstrap dnsmasq-base restic chromium-headless-shell libnss3-tools)
SERVICES=(coturn nginx postgresql docker containerd)
# python3 is pyenv's on the project's machines (venv and headers built in); Debian's python3 needs two packages.
if ! python3 -c 'import ensurepip, sys, venv; sys.exit(ensurepip.version() is None)' 2>/dev/null; then
  PACKAGES+=(python3-venv)
fi
if ! python3 -c 'import os, sysconfig; assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))' 2>/dev/null; then
  PACKAGES+=(python3-dev)
fi
missing=()
for p in "${PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  apt_note="all ${#PACKAGES[@]} present (${PACKAGES[*]})"
else
  [ "$(id -u)" -eq 0 ] || fail "must run as root to install: ${missing[*]}"
  say "    installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packaged services must not start: the lab runs its own coturn, nginx and PostgreSQL with their own configs,
  # data directories and ports. policy-rc.d (exit 101 = "action forbidden") is honoured by invoke-rc.d and
  # deb-systemd-invoke, which every maintainer script uses to start its service.
  policy_rc=/usr/sbin/policy-rc.d
  own_policy=false
  if [ ! -e "$policy_rc" ]; then
    printf '#!/bin/sh\n# lab/setup.sh: no service starts while packages install\nexit 101\n' >"$policy_rc"
    chmod 755 "$policy_rc"
    own_policy=true
    trap 'rm -f "$policy_rc"' EXIT
  fi
  logged apt-update apt-get update -q
  logged apt-install apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
  if $own_policy; then
    rm -f "$policy_rc"
    trap - EXIT
  fi
  # Nor should they start at boot. Only services this run installed are touched.
  for s in "${SERVICES[@]}"; do
    [[ " ${missing[*]} " == *" $s "* ]] || continue
    if [ -d /run/systemd/system ]; then
      systemctl disable --now "$s" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$s" ]; then
      update-rc.d "$s" disable >/dev/null 2>&1 || true
    fi
  done
  apt_note="installed ${missing[*]}"
fi
# A packaged instance that runs anyway (installed before, by hand) would not collide with the lab's own instances
# (other addresses or namespaces), but it is worth knowing about. It is reported, never stopped: not ours.
for pidfile in /run/nginx.pid /run/turnserver.pid /run/turnserver/turnserver.pid /run/postgresql/*.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    say "    note: a packaged service runs (pid $pid from $pidfile); the lab does not use it"
  fi
done
PG_BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
for b in initdb pg_ctl postgres psql; do
  [ -x "$PG_BIN/$b" ] || fail "no PostgreSQL $b under /usr/lib/postgresql/<version>/bin"
done
TURNSERVER=$(command -v turnserver) || fail "turnserver not found"
NGINX=$(command -v nginx) || fail "nginx not found"
OPENSSL=$(command -v openssl) || fail "openssl not found"
# The browser itself, not Debian's /usr/bin wrapper script (lab/browser/chromium.ts says why).
CHROMIUM=/usr/lib/chromium/chromium-headless-shell
[ -x "$CHROMIUM" ] || fail "no $CHROMIUM (Debian's chromium-headless-shell package)"
command -v certutil >/dev/null || fail "certutil not found (libnss3-tools)"
step_done "$apt_note"

# ---------------------------------------------------------------------------------------------------------------
step "Synapse $SYNAPSE_VERSION venv"
VENV="$CACHE/synapse-venv-$SYNAPSE_VERSION"
# synapse.__version__ reads like "1.163.2 (b=main,9ffcd4a)" when a git work tree encloses the venv: compare the
# first word. psycopg2 must import too (the lab uses PostgreSQL).
venv_version() {
  "$VENV/bin/python" -c 'import psycopg2, synapse; print(synapse.__version__.split()[0])' 2>/dev/null
}
if [ -x "$VENV/bin/python" ] && [ "$(venv_version || true)" = "$SYNAPSE_VERSION" ]; then
  venv_note="cached at $VENV"
else
  python3 -m venv --help >/dev/null 2>&1 || fail "python3 -m venv does not work ($(command -v python3))"
  rm -rf "$VENV"
  say "    installing matrix-synapse[postgres]==$SYNAPSE_VERSION with $(python3 --version) into $VENV"
  logged venv python3 -m venv "$VENV"
  logged pip-synapse "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input \
    "matrix-synapse[postgres]==$SYNAPSE_VERSION"
  got=$(venv_version) || fail "the new venv cannot import synapse and psycopg2 (see $CACHE/logs/pip-synapse.log)"
  [ "$got" = "$SYNAPSE_VERSION" ] || fail "the new venv has Synapse $got, not $SYNAPSE_VERSION"
  venv_note="installed Synapse $got, $("$VENV/bin/python" -m pip list --disable-pip-version-check 2>/dev/null | tail -n +3 | wc -l) packages"
fi
step_done "$venv_note"

# ---------------------------------------------------------------------------------------------------------------
step "livekit-server $LIVEKIT_VERSION"
LIVEKIT_BIN="$CACHE/bin/livekit-server-$LIVEKIT_VERSION"
# "livekit-server version 1.13.5"
livekit_reports_version() { [[ "$("$LIVEKIT_BIN" --version 2>/dev/null || true)" == *" ${LIVEKIT_VERSION#v}" ]]; }
if [ -x "$LIVEKIT_BIN" ] && livekit_reports_version; then
  livekit_note="cached at $LIVEKIT_BIN"
else
  command -v go >/dev/null || fail "go not found"
  # `go install module@version` refuses modules whose go.mod has replace directives (LiveKit's has since v1.13.6):
  # a wrapper module requires LiveKit at that version and repeats its replace and exclude directives, which
  # only the main module's go.mod applies. It is generated here and lives in the cache only.
  BUILD="$CACHE/livekit-build-$LIVEKIT_VERSION"
  rm -rf "$BUILD"
  mkdir -p "$BUILD"
  say "    building $LIVEKIT_MODULE/cmd/server@$LIVEKIT_VERSION with $(go env GOVERSION) in $BUILD"
  logged livekit-download go mod download -json "$LIVEKIT_MODULE@$LIVEKIT_VERSION"
  upstream_mod=$(sed -nE 's/^[[:space:]]*"GoMod": "(.*)",?$/\1/p' "$CACHE/logs/livekit-download.log")
  [ -f "$upstream_mod" ] || fail "go mod download gave no go.mod for $LIVEKIT_MODULE@$LIVEKIT_VERSION"
  go_line=$(grep -m 1 -E '^go [0-9]' "$upstream_mod" || echo "go 1.21")
  # replace/exclude directives, single-line or in blocks, as "replace X => Y v" lines.
  directives=$(awk '
    /^(replace|exclude)[[:space:]]*\(/ { block = $1; next }
    block != "" && /^\)/ { block = ""; next }
    block != "" && NF > 0 && $1 !~ /^\/\// { sub(/^[[:space:]]+/, ""); print block " " $0; next }
    /^(replace|exclude)[[:space:]]/ { print }
  ' "$upstream_mod")
  {
    echo "// Generated by lab/setup.sh: builds $LIVEKIT_MODULE@$LIVEKIT_VERSION with its own replace directives."
    echo "module lab.invalid/livekit-build"
    echo
    echo "$go_line"
    echo
    echo "require $LIVEKIT_MODULE $LIVEKIT_VERSION"
    [ -z "$directives" ] || printf '\n%s\n' "$directives"
  } >"$BUILD/go.mod"
  if [ -n "$directives" ]; then
    say "    repeating $(echo "$directives" | wc -l) directive(s) from its go.mod:"
    while read -r line; do say "      $line"; done <<<"$directives"
  fi
  # go get resolves the build list (LiveKit's own versions: the wrapper requires nothing else) and writes go.sum.
  phase=$(now_ms)
  (cd "$BUILD" && logged livekit-get go get "$LIVEKIT_MODULE/cmd/server@$LIVEKIT_VERSION") ||
    fail "cannot resolve $LIVEKIT_MODULE@$LIVEKIT_VERSION's dependencies (Go module proxy: $(go env GOPROXY)); see above"
  fetched=$((($(now_ms) - phase) / 1000))
  say "    dependencies resolved and downloaded in $fetched s; compiling"
  phase=$(now_ms)
  # As LiveKit's Dockerfile builds it: static, no cgo.
  (cd "$BUILD" && CGO_ENABLED=0 logged livekit-build go build -trimpath -ldflags "-s -w" -o "$LIVEKIT_BIN.tmp" \
    "$LIVEKIT_MODULE/cmd/server") || fail "go build failed"
  compiled=$((($(now_ms) - phase) / 1000))
  mv -f "$LIVEKIT_BIN.tmp" "$LIVEKIT_BIN"
  livekit_note="built $LIVEKIT_BIN ($(du -m "$LIVEKIT_BIN" | cut -f1) MB; modules $fetched s, compile $compiled s)"
fi
# Verify: the version, and that a tiny config passes LiveKit's strict parser (`ports` loads it without serving).
reported=$("$LIVEKIT_BIN" --version 2>&1 || true)
livekit_reports_version || fail "$LIVEKIT_BIN reports '$reported', not ${LIVEKIT_VERSION#v}"
probe=$(mktemp -d)
cat >"$probe/livekit.yaml" <<'YAML'
port: 17880
rtc:
  tcp_port: 17881
  port_range_start: 50100
  port_range_end: 50200
  node_ip: 127.0.0.1
  use_external_ip: false
keys:
  labkey: lab-secret-that-is-at-least-32-characters-long
room:
  auto_create: false
logging:
  level: warn
YAML
# `ports` (and the server itself) exits 0 even when the config does not parse: judge by what it prints.
ports=$("$LIVEKIT_BIN" --config "$probe/livekit.yaml" ports 2>&1 || true)
rm -rf "$probe"
if [[ "$ports" != *"17880 - HTTP service"* ]] || [[ "$ports" == *"could not parse config"* ]]; then
  echo "$ports" >&2
  fail "$LIVEKIT_BIN rejects a minimal config"
fi
step_done "$livekit_note; '$reported'; a minimal config passes 'ports'"

# ---------------------------------------------------------------------------------------------------------------
step "lab-env.sh"
cat >"$CACHE/lab-env.sh.tmp" <<ENV
# Written by lab/setup.sh: the programs the call lab runs.
export LAB_SYNAPSE_VERSION="$SYNAPSE_VERSION"
export LAB_PREVIOUS_SYNAPSE_VERSION="$PREVIOUS_SYNAPSE_VERSION"
export SYNAPSE_PYTHON="$VENV/bin/python"
export LAB_LIVEKIT_VERSION="$LIVEKIT_VERSION"
export LIVEKIT_SERVER="$LIVEKIT_BIN"
export TURNSERVER="$TURNSERVER"
export TURNUTILS_UCLIENT="$(command -v turnutils_uclient || true)"
export NGINX="$NGINX"
export PG_BIN="$PG_BIN"
export OPENSSL="$OPENSSL"
export CHROMIUM="$CHROMIUM"
ENV
mv -f "$CACHE/lab-env.sh.tmp" "$CACHE/lab-env.sh"
step_done "wrote $CACHE/lab-env.sh"

say "summary:"
total=0
for i in "${!STEP_NAMES[@]}"; do
  printf 'lab-setup:   %6s s  %-28s %s\n' "${STEP_TIMES[$i]}" "${STEP_NAMES[$i]}" "${STEP_NOTES[$i]}" >&2
  total=$((total + 10#${STEP_TIMES[$i]/./}))
done
printf 'lab-setup:   %6s s  total\n' "$((total / 10)).$((total % 10))" >&2
sed -n 's/^export /lab-setup:   /p' "$CACHE/lab-env.sh" >&2
echo "$CACHE/lab-env.sh"
