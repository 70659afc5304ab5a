#!/usr/bin/env bash
# Installs the real Pulumi engine this project's tests run with, and prints the path of an env file to source:
#   the Pulumi CLI and the Node.js language host (upstream builds from the Go module proxy), and the docker and
#   random provider plugins (the upstream Terraform providers bridged here; see provider-plugin.sh), installed
#   into a PULUMI_HOME of the engine cache, so the CLI never tries to download a plugin.
# Cold: about 20 minutes on 2 cores (Go module downloads and compiles); warm: about a second.
# The env file (shared by every checkout on the machine) sets PATH (pulumi, pulumi-language-nodejs), PULUMI_HOME and
# PULUMI_SKIP_UPDATE_CHECK; the caller adds its own node_modules/@pulumi/pulumi to PATH, where the plugin that runs
# dynamic providers (pulumi-resource-pulumi-nodejs) ships. Operators use the official CLI and plugins instead.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PROJECT_ROOT=$(cd "$ENGINE_TOOLS/../.." && pwd)
command -v go >/dev/null || engine_fail "go not found (the engine builds from the Go module proxy)"
[ -x "$PROJECT_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" ] ||
  engine_fail "node_modules/@pulumi/pulumi is missing: run npm ci first (./fleet does)"

# One build at a time per machine: two checkouts share the cache.
exec 8>"$ENGINE_CACHE/.install.lock"
flock -w 3600 8 || engine_fail "another engine build held $ENGINE_CACHE/.install.lock for an hour"

started=$(engine_now)
PULUMI=$(bash "$ENGINE_TOOLS/pulumi-cli.sh")
LANGUAGE=$(bash "$ENGINE_TOOLS/language-nodejs.sh")
RANDOM_PLUGIN=$(bash "$ENGINE_TOOLS/provider-plugin.sh" random)
DOCKER_PLUGIN=$(bash "$ENGINE_TOOLS/provider-plugin.sh" docker)

# PULUMI_HOME keyed on the binaries it holds and on this script: a rebuilt plugin gets a fresh home.
HOME_KEY=$( (printf "%s\n" "$PULUMI" "$LANGUAGE" "$RANDOM_PLUGIN" "$DOCKER_PLUGIN"; cat "${BASH_SOURCE[0]}") | sha256sum | cut -c1-16)
export PULUMI_HOME="$ENGINE_CACHE/pulumi-home-$HOME_KEY"
export PULUMI_SKIP_UPDATE_CHECK=true
if [ ! -f "$PULUMI_HOME/.done" ]; then
  rm -rf "$PULUMI_HOME"
  mkdir -p "$PULUMI_HOME/bin"
  # The CLI finds a language host that sits next to it without a warning (and without searching PATH).
  ln "$PULUMI" "$PULUMI_HOME/bin/pulumi"
  ln "$LANGUAGE" "$PULUMI_HOME/bin/pulumi-language-nodejs"
  "$PULUMI" plugin install resource random 4.21.2 --file "$RANDOM_PLUGIN" --non-interactive >/dev/null 2>&1 ||
    engine_fail "pulumi plugin install resource random 4.21.2 failed"
  "$PULUMI" plugin install resource docker 5.2.0 --file "$DOCKER_PLUGIN" --non-interactive >/dev/null 2>&1 ||
    engine_fail "pulumi plugin install resource docker 5.2.0 failed"
  touch "$PULUMI_HOME/.done"
  engine_say "plugins installed into $PULUMI_HOME"
fi
# Older builds of each binary (an earlier script version) are dropped, keeping the two newest per binary, so the
# cache does not grow with every change to the build scripts. What this run uses counts as newest.
touch "$PULUMI_HOME" "$(dirname "$(dirname "$PULUMI")")" "$(dirname "$(dirname "$LANGUAGE")")" \
  "$(dirname "$(dirname "$RANDOM_PLUGIN")")" "$(dirname "$(dirname "$DOCKER_PLUGIN")")"
for prefix in pulumi-cli language-nodejs provider-random provider-docker pulumi-home engine-env; do
  # On a fresh machine a prefix has no build yet (no engine-env file before this run writes it): ls then fails,
  # which pipefail would turn into the whole install failing after every build succeeded.
  # shellcheck disable=SC2012
  { ls -1dt "$ENGINE_CACHE/$prefix-"* 2>/dev/null || true; } | tail -n +3 | xargs -r rm -rf
done
ENV_FILE="$ENGINE_CACHE/engine-env-$HOME_KEY.sh"
cat >"$ENV_FILE.tmp" <<ENV
# Written by tools/engine/install.sh: the real Pulumi engine for matrix-fleet's tests (source it).
export PULUMI_HOME="$PULUMI_HOME"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_ENGINE_BIN="$PULUMI_HOME/bin"
export PATH="$PULUMI_HOME/bin:\$PATH"
ENV
mv -f "$ENV_FILE.tmp" "$ENV_FILE"
engine_say "ready in $(engine_elapsed "$started") s: $("$PULUMI" version) with random 4.21.2 and docker 5.2.0 (bridged)"
echo "$ENV_FILE"
