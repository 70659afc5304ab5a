#!/usr/bin/env bash
# The lab's monitoring images are built from Debian 12's packages (issue #27): prometheus 2.42, prometheus-alertmanager
# 0.25, prometheus-node-exporter 1.5.0 and prometheus-postgres-exporter 0.11.1. Their .debs are downloaded with apt on
# the host (the images are built with COPY-only Dockerfiles, no network) and unpacked, nothing installed, into one
# tree per image, the binary renamed to where the upstream image keeps it (/bin/prometheus, /bin/alertmanager,
# /bin/node_exporter, /bin/postgres_exporter: usr/bin here, since Debian's /bin is a link to it). Cached outside the
# clone; prints the directory. Cold: seconds.
set -euo pipefail
CACHE="${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}/lab-images"
PACKAGES=(prometheus prometheus-alertmanager prometheus-node-exporter prometheus-postgres-exporter)
say() { echo "lab-images: $*" >&2; }
versions=""
for p in "${PACKAGES[@]}"; do
  v=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [ -z "$v" ] || [ "$v" = "(none)" ]; then
    say "apt-get update (the package lists lack $p)"
    apt-get update -qq >/dev/null
    v=$(apt-cache policy "$p" | sed -n 's/^ *Candidate: //p')
  fi
  versions+="$p=$v "
done
KEY=$( (cat "${BASH_SOURCE[0]}"; echo "$versions") | sha256sum | cut -c1-12)
DIR="$CACHE/monitoring-$KEY"
if [ -d "$DIR" ]; then
  echo "$DIR"
  exit 0
fi
mkdir -p "$CACHE"
exec 7>"$CACHE/.monitoring-files.lock"
flock -w 600 7 || { say "ERROR: another build held $CACHE/.monitoring-files.lock for 10 minutes"; exit 1; }
if [ -d "$DIR" ]; then
  echo "$DIR"
  exit 0
fi
started=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2086
(cd "$work" && apt-get download -qq -o "APT::Sandbox::User=$(id -un)" $versions >/dev/null)
for p in "${PACKAGES[@]}"; do dpkg-deb -x "$work/${p}_"*.deb "$work/$p"; done
out="$work/out"
install -D -m 755 "$work/prometheus/usr/bin/prometheus" "$out/prometheus/usr/bin/prometheus"
install -D -m 755 "$work/prometheus/usr/bin/promtool" "$out/prometheus/usr/bin/promtool"
mkdir -p "$out/prometheus/usr/share"
cp -a "$work/prometheus/usr/share/prometheus" "$out/prometheus/usr/share/"
install -D -m 755 "$work/prometheus-alertmanager/usr/bin/prometheus-alertmanager" "$out/alertmanager/usr/bin/alertmanager"
install -D -m 755 "$work/prometheus-alertmanager/usr/bin/amtool" "$out/alertmanager/usr/bin/amtool"
# Debian's Alertmanager reads its notification templates from here (upstream embeds them).
mkdir -p "$out/alertmanager/usr/share/prometheus"
cp -a "$work/prometheus-alertmanager/usr/share/prometheus/alertmanager" "$out/alertmanager/usr/share/prometheus/"
install -D -m 755 "$work/prometheus-node-exporter/usr/bin/prometheus-node-exporter" "$out/node-exporter/usr/bin/node_exporter"
install -D -m 755 "$work/prometheus-postgres-exporter/usr/bin/prometheus-postgres-exporter" \
  "$out/postgres-exporter/usr/bin/postgres_exporter"
mv "$out" "$DIR"
say "monitoring binaries from Debian ($versions) ready in $((SECONDS - started)) s: $DIR"
echo "$DIR"
