#!/usr/bin/env bash
# Builds the audio load generator (lab/load/audio-load, the project's own Go source on server-sdk-go/v2 and
# pion/webrtc/v4 from the Go module proxy) into the cache outside the clone, keyed by the hash of its source and the
# Go version, so a machine builds each version once. A new build first runs `go vet` and the package's tests (the
# statistics: loss across the sequence wrap, RFC 3550 jitter, delay percentiles, the run's bounds). Prints the
# binary's path on stdout, progress on stderr. Cold: module downloads and compile, about 1.5 min here; warm: instant.
# Usage: bash lab/load/build.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/audio-load"
CACHE="${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}/lab/bin"
mkdir -p "$CACHE"
command -v go >/dev/null || {
  echo "audio-load: go not found (Go 1.26 builds the load generator)" >&2
  exit 1
}
hash=$( (
  go env GOVERSION
  cat go.mod go.sum ./*.go
) | sha256sum | cut -c1-16)
binary="$CACHE/audio-load-$hash"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
exec 9>"$CACHE/.audio-load.lock"
flock -w 900 9 || {
  echo "audio-load: another build held $CACHE/.audio-load.lock for 15 minutes" >&2
  exit 1
}
if [ ! -x "$binary" ]; then
  started=$SECONDS
  echo "audio-load: building $hash with $(go env GOVERSION) (modules from $(go env GOPROXY))" >&2
  log="$CACHE/audio-load-$hash.log"
  if ! { go vet ./... && go test -count=1 ./... && CGO_ENABLED=0 go build -mod=readonly -trimpath \
    -ldflags "-s -w" -o "$binary.tmp" .; } >"$log" 2>&1; then
    echo "audio-load: build failed (last lines of $log):" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  mv -f "$binary.tmp" "$binary"
  echo "audio-load: built $binary in $((SECONDS - started)) s (vet and tests passed)" >&2
fi
echo "$binary"
