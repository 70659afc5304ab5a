#!/usr/bin/env bash
# Builds the lab images on the Docker engine at $DOCKER_HOST (each lab engine builds its own: the images come from
# the cached root filesystem with COPY-only Dockerfiles, so no network is needed) and writes a JSON map of the
# stack config `images.*` keys to lab image names on stdout. Images whose key label matches are kept (warm: ~1 s).
# Usage: DOCKER_HOST=unix://... build.sh <rootfs.tar>
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TAR="${1:?usage: build.sh <rootfs.tar>}"
export DOCKER_BUILDKIT=0
say() { echo "lab-images: $*" >&2; }
DOUBLES="$HERE/../doubles"
# restic's static binary from Debian's package (lab/setup.sh installs it): the backup image's one program.
RESTIC_BIN=$(command -v restic || true)
[ -n "$RESTIC_BIN" ] || { say "ERROR: restic is not installed (lab/setup.sh installs it)"; exit 1; }
# The key of every image: the root filesystem's, this folder's, the contract doubles' content and restic's binary.
KEY=$( (basename "$TAR"; find "$HERE" "$DOUBLES" -type f ! -name '*.md' -print0 | sort -z | xargs -0 cat
  sha256sum "$RESTIC_BIN") | sha256sum | cut -c1-12)
BASE="matrix-fleet-lab/base:$KEY"
has_image() { docker image inspect "$1" >/dev/null 2>&1; }
started=$SECONDS
if ! has_image "$BASE"; then
  say "importing $(basename "$TAR") as $BASE"
  docker import --change 'CMD ["/bin/bash"]' "$TAR" "$BASE" >/dev/null
fi
# config key (Pulumi.<stack>.yaml images.*) | image directory | tag | build arguments
IMAGES=(
  "postgres|postgres|15-$KEY|"
  "synapse|synapse|v1.157.1-$KEY|"
  "coturn|coturn|4.6.1-$KEY|"
  "livekit|livekit|v1.13.5-$KEY|"
  "lkJwt|lk-jwt|0.5.0-double-$KEY|"
  "elementWeb|standin|element-web-$KEY|ROLE=element-web"
  "ketesa|standin|ketesa-$KEY|ROLE=ketesa"
  "jitsiWeb|standin|jitsi-web-$KEY|ROLE=jitsi-web"
  "jitsiProsody|standin|jitsi-prosody-$KEY|ROLE=jitsi-prosody"
  "jitsiJicofo|standin|jitsi-jicofo-$KEY|ROLE=jitsi-jicofo"
  "jitsiJvb|standin|jitsi-jvb-$KEY|ROLE=jitsi-jvb"
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
