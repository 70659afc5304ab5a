#!/usr/bin/env bash
# The executable Playwright starts for the lab's browser (lab/browser/chromium.ts): records its own PID in the lab's
# pid file (so lab/deploy/common.sh's lab_down stops the browser by PID even when the test process died), then
# becomes Chromium inside the client namespace. `exec` twice (here and in `ip netns exec`) keeps that one PID.
# Environment: MFD_CHROMIUM (the binary), MFD_NAMESPACE (empty: no namespace, for development), MFD_PID_FILE (the
# lab's), MFD_OWN_PID_FILE (the launcher's), MFD_BROWSER_NAME.
set -euo pipefail
: "${MFD_CHROMIUM:?the Chromium binary}"
if [ -n "${MFD_PID_FILE:-}" ]; then echo "$$ ${MFD_BROWSER_NAME:-chromium}" >>"$MFD_PID_FILE"; fi
if [ -n "${MFD_OWN_PID_FILE:-}" ]; then echo "$$" >"$MFD_OWN_PID_FILE"; fi
if [ -n "${MFD_NAMESPACE:-}" ]; then exec ip netns exec "$MFD_NAMESPACE" "$MFD_CHROMIUM" "$@"; fi
exec "$MFD_CHROMIUM" "$@"
