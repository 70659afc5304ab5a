#!/usr/bin/env bash
# Installs what the call lab runs, idempotently, and caches the slow parts under .cache/ (git-ignored):
#   Debian packages (coturn, nginx, postgresql, openssl, iproute2, libpq-dev), a Python venv with a pinned Synapse,
#   and livekit-server built from its Go module. Prints every step with its duration.
# On a warm machine this takes seconds. Writes .cache/lab-env.sh with the paths the lab uses.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Versions: keep in step with lib/images.ts (the lab proves what the images deploy). LiveKit stays at v1.13.5:
# from v1.13.6 its go.mod replaces pion modules with LiveKit forks whose versions the Go module proxy refuses (403).
SYNAPSE_VERSION="1.157.1"
LIVEKIT_VERSION="v1.13.5"
CACHE="$PWD/.cache"
mkdir -p "$CACHE/bin"

step_started=0
step() { step_started=$SECONDS; echo "lab-setup: $*"; }
done_step() { echo "lab-setup:   done in $((SECONDS - step_started)) s"; }

step "Debian packages"
packages=(coturn nginx postgresql openssl iproute2 nftables libpq-dev python3-venv curl)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "lab-setup:   installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packaged services must not start: the lab runs its own instances with its own configs and ports.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
else
  echo "lab-setup:   all present"
fi
done_step

step "Synapse $SYNAPSE_VERSION venv"
VENV="$CACHE/synapse-venv-$SYNAPSE_VERSION"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import psycopg2, sys, importlib.metadata as m; sys.exit(m.version('matrix-synapse') != '$SYNAPSE_VERSION')" 2>/dev/null; then
  echo "lab-setup:   cached at $VENV"
else
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "matrix-synapse[postgres]==$SYNAPSE_VERSION"
fi
done_step

step "livekit-server $LIVEKIT_VERSION"
LIVEKIT_BIN="$CACHE/bin/livekit-server-$LIVEKIT_VERSION"
if [ -x "$LIVEKIT_BIN" ]; then
  echo "lab-setup:   cached at $LIVEKIT_BIN"
else
  # v1.13.5's go.mod has no replace directives, so `go install module@version` builds it from the Go module proxy.
  GOBIN="$CACHE/livekit-gobin" go install -trimpath -ldflags "-s -w" "github.com/livekit/livekit-server/cmd/server@$LIVEKIT_VERSION"
  mv "$CACHE/livekit-gobin/server" "$LIVEKIT_BIN"
  rmdir "$CACHE/livekit-gobin"
fi
"$LIVEKIT_BIN" --version
done_step

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
cat >"$CACHE/lab-env.sh" <<ENV
# Written by lab/setup.sh
export SYNAPSE_PYTHON="$VENV/bin/python"
export LIVEKIT_SERVER="$LIVEKIT_BIN"
export TURNSERVER="$(command -v turnserver)"
export NGINX="$(command -v nginx)"
export PG_BIN="$PG_BIN"
export OPENSSL="$(command -v openssl)"
ENV
echo "lab-setup: ready (paths in .cache/lab-env.sh)"
