#!/usr/bin/env bash
# Builds the Node.js language host (pulumi-language-nodejs) from the Go module proxy and prints its path.
# Its current module (sdk/nodejs/cmd/pulumi-language-nodejs/v3) is refused by the proxy; github.com/pulumi/pulumi/sdk/v3
# v3.68.0 is the last release that still contains it as a package of sdk/v3. CLI 3.274 drives it through the same
# language-host gRPC protocol, and it runs the program with the project's own @pulumi/pulumi (3.270) from node_modules.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
VERSION=v3.68.0
KEY=$(engine_key "${BASH_SOURCE[0]}" "$ENGINE_TOOLS/common.sh")
OUT=$(engine_dir language-nodejs "$KEY")
if engine_is_built language-nodejs "$KEY"; then
  echo "$OUT/bin/pulumi-language-nodejs"
  exit 0
fi
started=$(engine_now)
engine_say "pulumi-language-nodejs (sdk/v3 $VERSION): building into $OUT (cold: about 1 minute)"
rm -rf "$OUT"
mkdir -p "$OUT/src" "$OUT/bin"
cat >"$OUT/src/go.mod" <<GOMOD
module matrix-fleet.invalid/engine/language-nodejs

go 1.24

require github.com/pulumi/pulumi/sdk/v3 $VERSION
GOMOD
cat >"$OUT/src/tools.go" <<'GO'
//go:build tools

// Package tools only names the command this module builds, so `go mod tidy` resolves its dependencies.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
GO
phase=$(engine_now)
engine_go "$OUT/src" "$OUT/tidy.log" go mod tidy || engine_fail "cannot resolve sdk/v3 $VERSION's dependencies"
engine_say "  dependencies resolved ($(engine_elapsed "$phase") s); compiling"
engine_go "$OUT/src" "$OUT/build.log" go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION" \
  -o "$OUT/bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs ||
  engine_fail "go build of pulumi-language-nodejs failed"
touch "$OUT/.done"
engine_say "pulumi-language-nodejs built in $(engine_elapsed "$started") s"
echo "$OUT/bin/pulumi-language-nodejs"
