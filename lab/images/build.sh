#!/usr/bin/env bash
# Builds the lab images on the Docker engine at $DOCKER_HOST (each lab engine builds its own: the images come from
# the cached root filesystem with COPY-only Dockerfiles, so no network is needed) and writes a JSON map of the
# stack config `images.*` keys to lab image names on stdout (`previous:<key>`: the previous release set's image).
# Images whose key label matches are kept (warm: ~1 s). The monitoring images (prometheus, alertmanager,
# node-exporter, postgres-exporter) take their files from the tree lab/images/monitoring-files.sh unpacked from
# Debian's packages (second argument).
# Usage: DOCKER_HOST=unix://... build.sh <rootfs.tar> <monitoring files dir>
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TAR="${1:?usage: build.sh <rootfs.tar> <monitoring files dir>}"
MONITORING="${2:?usage: build.sh <rootfs.tar> <monitoring files dir>}"
export DOCKER_BUILDKIT=0
say() { echo "lab-images: $*" >&2; }
DOUBLES="$HERE/../doubles"
# restic's static binary from Debian's package (lab/setup.sh installs it): the backup image's one program.
RESTIC_BIN=$(command -v restic || true)
[ -n "$RESTIC_BIN" ] || { say "ERROR: restic is not installed (lab/setup.sh installs it)"; exit 1; }
# The key of every image: the root filesystem's, the monitoring files', this folder's, the contract doubles' content
# and restic's binary.
KEY=$( (basename "$TAR"; basename "$MONITORING"; find "$HERE" "$DOUBLES" -type f ! -name '*.md' -print0 | sort -z | xargs -0 cat
  sha256sum "$RESTIC_BIN") | sha256sum | cut -c1-12)
BASE="matrix-fleet-lab/base:$KEY"
has_image() { docker image inspect "$1" >/dev/null 2>&1; }
started=$SECONDS
if ! has_image "$BASE"; then
  say "importing $(basename "$TAR") as $BASE"
  docker import --change 'CMD ["/bin/bash"]' "$TAR" "$BASE" >/dev/null
fi
SYNAPSE="${LAB_SYNAPSE_VERSION:?source lab-env.sh (lab/setup.sh) first}"
PREVIOUS_SYNAPSE="${LAB_PREVIOUS_SYNAPSE_VERSION:-$SYNAPSE}"
# The lk-jwt-service double at the release set's version and at the previous one's (lab/doubles/lk-jwt-config.ts).
LK_JWT=0.6.0
PREVIOUS_LK_JWT=0.5.0
# config key (Pulumi.<stack>.yaml images.*; "previous:" = the previous release set's image of that key, for the
# upgrade scenario; "major:" = the next PostgreSQL major, for the major-upgrade walk; "broken:" = a Synapse that
# never becomes healthy, for the failed upgrade) | image directory | tag | build argument
IMAGES=(
  "postgres|postgres|15-$KEY|"
  "major:postgres|postgres|17-$KEY|SERVER=/opt/postgresql-17/bin"
  "synapse|synapse|v$SYNAPSE-$KEY|"
  "previous:synapse|synapse|v$PREVIOUS_SYNAPSE-$KEY|VENV=/opt/synapse-$PREVIOUS_SYNAPSE"
  "broken:synapse|synapse|v$SYNAPSE-broken-$KEY|FAULT=never-healthy"
  "coturn|coturn|4.6.1-$KEY|"
  "livekit|livekit|v1.13.5-$KEY|"
  "lkJwt|lk-jwt|$LK_JWT-double-$KEY|DOUBLE_VERSION=$LK_JWT"
  "previous:lkJwt|lk-jwt|$PREVIOUS_LK_JWT-double-$KEY|DOUBLE_VERSION=$PREVIOUS_LK_JWT"
  "elementWeb|standin|element-web-$KEY|ROLE=element-web"
  "ketesa|standin|ketesa-$KEY|ROLE=ketesa"
  "jitsiWeb|standin|jitsi-web-$KEY|ROLE=jitsi-web"
  "jitsiProsody|standin|jitsi-prosody-$KEY|ROLE=jitsi-prosody"
  "jitsiJicofo|standin|jitsi-jicofo-$KEY|ROLE=jitsi-jicofo"
  "jitsiJvb|standin|jitsi-jvb-$KEY|ROLE=jitsi-jvb"
  "prometheus|prometheus|v2.42.0-$KEY|"
  "alertmanager|alertmanager|v0.25.0-$KEY|"
  "nodeExporter|node-exporter|v1.5.0-$KEY|"
  "postgresExporter|postgres-exporter|v0.11.1-$KEY|"
  "nodejs|nodejs|18-$KEY|"
  "backup|restic|0.14.0-$KEY|"
)
json="{"
built=0
for entry in "${IMAGES[@]}"; do
  IFS='|' read -r config dir tag arg <<<"$entry"
  name="matrix-fleet-lab/$dir:$tag"
  if ! has_image "$name"; then
    args=(--build-arg "BASE=$BASE" --label "org.matrix-fleet.lab-key=$KEY" -t "$name")
    [ -z "$arg" ] || args+=(--build-arg "$arg")
    log=$(mktemp)
    context=$(mktemp -d)
    cp -R "$HERE/$dir/." "$context/"
    # The lk-jwt-service double: bundled into one file for Node 18 (lab/doubles/bundle.sh).
    if [ "$dir" = lk-jwt ]; then bash "$DOUBLES/bundle.sh" lk-jwt-service-main.ts "$context/lk-jwt-service.js"; fi
    # The monitoring images: the files unpacked from Debian's packages.
    if [ -d "$MONITORING/$dir" ]; then cp -R "$MONITORING/$dir" "$context/rootfs"; fi
    if [ "$dir" = restic ]; then cp "$RESTIC_BIN" "$context/restic"; fi
    if ! docker build "${args[@]}" "$context" >"$log" 2>&1; then
      rm -rf "$context"
      tail -n 30 "$log" >&2
      rm -f "$log"
      say "ERROR: docker build of $name failed"
      exit 1
    fi
    rm -rf "$log" "$context"
    built=$((built + 1))
  fi
  json+="\"$config\":\"$name\","
done
json="${json%,}}"
say "${#IMAGES[@]} lab images ready ($built built) in $((SECONDS - started)) s"
echo "$json"
