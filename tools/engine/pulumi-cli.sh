#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy into the engine cache and prints its path.
# github.com/pulumi/pulumi/pkg/v3 v3.274.0 is the newest release whose zip the proxy serves here (v3.270.0, the
# SDK version in package.json, is refused; CLI 3.274 runs programs on SDK 3.270). A throwaway wrapper module
# requires pkg and sdk at that version with the one `replace` pkg's own go.mod carries, which only a main module
# applies. The version is stamped as pulumi's release build does.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
VERSION=v3.274.0
KEY=$(engine_key "${BASH_SOURCE[0]}" "$ENGINE_TOOLS/common.sh")
OUT=$(engine_dir pulumi-cli "$KEY")
if engine_is_built pulumi-cli "$KEY"; then
  echo "$OUT/bin/pulumi"
  exit 0
fi
started=$(engine_now)
engine_say "pulumi CLI $VERSION: building from the Go module proxy into $OUT (cold: about 12 minutes)"
rm -rf "$OUT"
mkdir -p "$OUT/src" "$OUT/bin"
cat >"$OUT/src/go.mod" <<GOMOD
module matrix-fleet.invalid/engine/pulumi-cli

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 $VERSION
	github.com/pulumi/pulumi/sdk/v3 $VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
GOMOD
cat >"$OUT/src/tools.go" <<'GO'
//go:build tools

// Package tools only names the command this module builds, so `go mod tidy` resolves its dependencies.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
phase=$(engine_now)
engine_go "$OUT/src" "$OUT/tidy.log" go mod tidy || engine_fail "cannot resolve pulumi $VERSION's dependencies"
engine_say "  dependencies resolved and downloaded ($(engine_elapsed "$phase") s); compiling"
phase=$(engine_now)
engine_go "$OUT/src" "$OUT/build.log" go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION" \
  -o "$OUT/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi || engine_fail "go build of pulumi $VERSION failed"
engine_say "  compiled ($(engine_elapsed "$phase") s)"
"$OUT/bin/pulumi" version >/dev/null 2>&1 || engine_fail "the built pulumi does not run"
touch "$OUT/.done"
engine_say "pulumi CLI $VERSION built in $(engine_elapsed "$started") s: $OUT/bin/pulumi"
echo "$OUT/bin/pulumi"
