# Sourced by the engine build scripts: where binaries are cached, step timing, and Go builds whose failures name
# the module the Go module proxy refused instead of printing Go's stack of errors.
#
# Cache layout (outside the clone, so a fresh CI clone on a machine that built before reuses it):
#   ${MATRIX_FLEET_CACHE:-$HOME/.cache/matrix-fleet}/engine/<binary>-<key>/   key = hash of the build script(s)
# Go's own module and build caches stay where `go env` puts them (also outside the clone).
set -euo pipefail

ENGINE_TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MATRIX_FLEET_CACHE="${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}"
ENGINE_CACHE="$MATRIX_FLEET_CACHE/engine"
mkdir -p "$ENGINE_CACHE"

engine_say() { echo "engine: $*" >&2; }
engine_fail() {
  echo "engine: ERROR: $*" >&2
  exit 1
}

# Seconds with one decimal since $1 (EPOCHREALTIME: bash >= 5).
engine_now() { echo "${EPOCHREALTIME/[.,]/}"; }
engine_elapsed() {
  local us=$(($(engine_now) - $1))
  printf '%d.%d' $((us / 1000000)) $(((us % 1000000) / 100000))
}

# A content key for a build: the sha256 of the given files (the script, common.sh and any Go sources it embeds).
engine_key() { cat "$@" | sha256sum | cut -c1-16; }

# Runs a go command in a build directory with its output in a log; on failure prints, for every module the Go
# module proxy refused, "<module> <version>: <the proxy's answer>", then the log's last lines.
engine_go() {
  local dir="$1" log="$2"
  shift 2
  if (cd "$dir" && "$@") >"$log" 2>&1; then return 0; fi
  local refused
  # go prints e.g. "github.com/x/y@v1.2.3: reading https://proxy.golang.org/github.com/x/y/@v/v1.2.3.zip: 403 Forbidden"
  refused=$(grep -oE '[A-Za-z0-9._~/-]+@v[0-9][^:[:space:]]*: reading https?://[^:]+(:[^:]*)?: [0-9]{3}[^"]*' "$log" |
    sed -E 's#^([^@]+)@([^:]+): reading [^ ]+: (.*)$#\1 \2: \3#' | sort -u || true)
  if [ -n "$refused" ]; then
    echo "engine: the Go module proxy ($(go env GOPROXY)) refused:" >&2
    while IFS= read -r line; do echo "engine:   $line" >&2; done <<<"$refused"
    grep -oE 'server response: .*' "$log" | sort -u | sed 's/^/engine:   /' >&2 || true
  fi
  echo "engine: '$*' failed in $dir; last lines of $log:" >&2
  tail -n 15 "$log" >&2
  return 1
}

# engine_cached <name> <key>: the cache directory of a binary; succeeds when it holds a finished build.
engine_dir() { echo "$ENGINE_CACHE/$1-$2"; }
engine_is_built() { [ -f "$(engine_dir "$1" "$2")/.done" ]; }
