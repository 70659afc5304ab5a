#!/usr/bin/env bash
# Prometheus' own checkers for the unit tier: promtool (check config, check rules, test rules) from Debian 12's
# `prometheus` package and amtool (check-config) from `prometheus-alertmanager`, the versions the lab's images run
# (Prometheus 2.42, Alertmanager 0.25). The packages are downloaded with apt-get and unpacked into a cache outside
# the clone (nothing is installed, no service starts); prints the directory that holds both binaries.
# Cold: a few seconds (about 30 MB); warm: instant. Needs root only when apt's package lists must be fetched first.
set -euo pipefail
CACHE="${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}/tools"
say() { echo "prometheus-tools: $*" >&2; }
# Keyed on this script: apt is asked (about a second) only when the cache is cold.
DIR="$CACHE/prometheus-tools-$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
if [ -x "$DIR/promtool" ] && [ -x "$DIR/amtool" ]; then
  echo "$DIR"
  exit 0
fi
version_of() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p'; }
prometheus_version=$(version_of prometheus)
alertmanager_version=$(version_of prometheus-alertmanager)
if [ -z "$prometheus_version" ] || [ "$prometheus_version" = "(none)" ] || [ -z "$alertmanager_version" ]; then
  [ "$(id -u)" -eq 0 ] || { say "ERROR: apt knows no prometheus package; run apt-get update as root"; exit 1; }
  say "apt-get update (the package lists lack prometheus)"
  apt-get update -qq >/dev/null
  prometheus_version=$(version_of prometheus)
  alertmanager_version=$(version_of prometheus-alertmanager)
fi
mkdir -p "$CACHE"
exec 8>"$CACHE/.prometheus-tools.lock"
flock -w 600 8 || { say "ERROR: another download held $CACHE/.prometheus-tools.lock for 10 minutes"; exit 1; }
if [ -x "$DIR/promtool" ] && [ -x "$DIR/amtool" ]; then
  echo "$DIR"
  exit 0
fi
started=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq -o "APT::Sandbox::User=$(id -un)" "prometheus=$prometheus_version" "prometheus-alertmanager=$alertmanager_version" >/dev/null)
mkdir -p "$work/x" "$DIR.tmp"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
install -m 755 "$work/x/usr/bin/promtool" "$DIR.tmp/promtool"
install -m 755 "$work/x/usr/bin/amtool" "$DIR.tmp/amtool"
echo "prometheus $prometheus_version, prometheus-alertmanager $alertmanager_version (Debian)" >"$DIR.tmp/VERSIONS"
rm -rf "$DIR"
mv "$DIR.tmp" "$DIR"
say "promtool $prometheus_version and amtool $alertmanager_version unpacked in $((SECONDS - started)) s into $DIR"
echo "$DIR"
