#!/usr/bin/env bash
# Bundles a contract double of lab/doubles/ into one JavaScript file for Node 18 (Debian bookworm's nodejs), with
# nothing outside Node's standard library: what a lab image copies and runs as `node <file>`, configured by the
# service's own environment variables. Usage: bundle.sh <entry, e.g. lk-jwt-service-main.ts> <output .js>
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENTRY="${1:?usage: bundle.sh <entry.ts> <output.js>}"
OUT="${2:?usage: bundle.sh <entry.ts> <output.js>}"
exec "$HERE/../../node_modules/.bin/esbuild" "$HERE/$ENTRY" --bundle --platform=node --target=node18 --format=cjs \
  --log-level=warning --outfile="$OUT"
