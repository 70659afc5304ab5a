#!/usr/bin/env bash
# Builds a Pulumi provider plugin bridged from an upstream Terraform provider and prints its path:
#   provider-plugin.sh random   -> pulumi-resource-random 4.21.2 (what @pulumi/random 4.21.2 declares)
#   provider-plugin.sh docker   -> pulumi-resource-docker 5.2.0  (what @pulumi/docker 5.2.0 declares)
# Pulumi's published provider modules are refused by the Go module proxy here, so the plugin is the upstream
# Terraform provider through pulumi-terraform-bridge, as Pulumi's own is, minus its extras (for docker: no native
# `Image` build resource). The Go sources are bridges/<name>/; the wrapper module is generated here:
#   1. build pulumi-tfgen-<name> (with an empty bridge-metadata.json),
#   2. `pulumi-tfgen-<name> schema` writes schema.json and bridge-metadata.json,
#   3. build pulumi-resource-<name> with both embedded,
#   4. check that every resource property the project uses exists in the schema under @pulumi/<name>'s name.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
NAME="${1:?usage: provider-plugin.sh random|docker}"
BRIDGE=v3.120.0
case "$NAME" in
  random)
    VERSION=4.21.2
    UPSTREAM=github.com/terraform-providers/terraform-provider-random
    UPSTREAM_REQUIRE="$UPSTREAM v1.3.2-0.20260824155315-e1092b0cfc07"
    UPSTREAM_REPLACE=""
    TAGS=""
    ;;
  docker)
    VERSION=5.2.0
    # The only version the proxy serves; its go.mod still declares the old terraform-providers path.
    UPSTREAM=github.com/terraform-providers/terraform-provider-docker
    UPSTREAM_REQUIRE="$UPSTREAM v0.0.0-20260916201441-96d331c98ff4"
    UPSTREAM_REPLACE="$UPSTREAM => github.com/kreuzwerker/terraform-provider-docker v0.0.0-20260916201441-96d331c98ff4"
    # Leaves out the docker_compose resource and its dependency tree (unused here).
    TAGS="no_compose"
    ;;
  *) engine_fail "unknown provider '$NAME' (random or docker)" ;;
esac
SOURCES=$(find "$ENGINE_TOOLS/bridges/$NAME" -name '*.go' | sort)
# shellcheck disable=SC2086
KEY=$(engine_key "${BASH_SOURCE[0]}" "$ENGINE_TOOLS/common.sh" "$ENGINE_TOOLS/check-schema.mjs" $SOURCES)
OUT=$(engine_dir "provider-$NAME" "$KEY")
if engine_is_built "provider-$NAME" "$KEY"; then
  echo "$OUT/bin/pulumi-resource-$NAME"
  exit 0
fi
started=$(engine_now)
engine_say "pulumi-resource-$NAME $VERSION: bridging $UPSTREAM_REQUIRE into $OUT (cold: about 3-4 minutes)"
rm -rf "$OUT"
mkdir -p "$OUT/src" "$OUT/bin" "$OUT/gen"
cp -R "$ENGINE_TOOLS/bridges/$NAME/." "$OUT/src/"
echo '{}' >"$OUT/src/bridge-metadata.json"
echo '{}' >"$OUT/src/cmd/pulumi-resource-$NAME/schema.json"
# Pins: the bridge's own fork of terraform-plugin-sdk (from its go.mod), and the Terraform plugin libraries at the
# versions bridge v3.120.0 implements (newer ones add interface methods it lacks: "missing method
# GenerateResourceConfig"); `replace` holds them below what the upstream providers ask for. Pulumi's pkg/sdk stay
# at the bridge's own requirement (newer pkg/v3 releases dropped codegen packages the bridge imports).
cat >"$OUT/src/go.mod" <<GOMOD
module $UPSTREAM/matrixfleetbridge

go 1.25.8

require (
	$UPSTREAM_REQUIRE
	github.com/pulumi/pulumi-terraform-bridge/v3 $BRIDGE
)

replace (
	github.com/hashicorp/terraform-plugin-sdk/v2 => github.com/pulumi/terraform-plugin-sdk/v2 v2.0.0-20250923233607-7f1981c8674a
	github.com/hashicorp/terraform-plugin-go => github.com/hashicorp/terraform-plugin-go v0.29.0
	github.com/hashicorp/terraform-plugin-framework => github.com/hashicorp/terraform-plugin-framework v1.17.0
	github.com/hashicorp/terraform-plugin-mux => github.com/hashicorp/terraform-plugin-mux v0.21.0
	github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
	$UPSTREAM_REPLACE
)
GOMOD
phase=$(engine_now)
engine_go "$OUT/src" "$OUT/tidy.log" go mod tidy || engine_fail "cannot resolve the $NAME bridge's dependencies"
engine_say "  dependencies resolved and downloaded ($(engine_elapsed "$phase") s); building pulumi-tfgen-$NAME"
phase=$(engine_now)
engine_go "$OUT/src" "$OUT/tfgen-build.log" go build -trimpath ${TAGS:+-tags "$TAGS"} -o "$OUT/gen/pulumi-tfgen-$NAME" \
  "./cmd/pulumi-tfgen-$NAME" || engine_fail "go build of pulumi-tfgen-$NAME failed"
engine_say "  pulumi-tfgen-$NAME built ($(engine_elapsed "$phase") s); generating the schema"
engine_go "$OUT/gen" "$OUT/schema.log" "./pulumi-tfgen-$NAME" schema --out "$OUT/gen" ||
  engine_fail "pulumi-tfgen-$NAME schema failed"
cp "$OUT/gen/bridge-metadata.json" "$OUT/src/bridge-metadata.json"
cp "$OUT/gen/schema.json" "$OUT/src/cmd/pulumi-resource-$NAME/schema.json"
phase=$(engine_now)
engine_go "$OUT/src" "$OUT/build.log" go build -trimpath -ldflags "-s -w" ${TAGS:+-tags "$TAGS"} \
  -o "$OUT/bin/pulumi-resource-$NAME" "./cmd/pulumi-resource-$NAME" ||
  engine_fail "go build of pulumi-resource-$NAME failed"
engine_say "  pulumi-resource-$NAME built ($(engine_elapsed "$phase") s); checking its schema against @pulumi/$NAME"
node "$ENGINE_TOOLS/check-schema.mjs" "$NAME" "$OUT/gen/schema.json" || engine_fail "schema check failed"
touch "$OUT/.done"
engine_say "pulumi-resource-$NAME $VERSION built in $(engine_elapsed "$started") s"
echo "$OUT/bin/pulumi-resource-$NAME"
