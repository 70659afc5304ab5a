// pulumi-resource-docker is the provider plugin the Pulumi engine starts for @pulumi/docker.
package main

import (
	"context"
	_ "embed"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	bridge "github.com/terraform-providers/terraform-provider-docker/matrixfleetbridge"
)

//go:embed schema.json
var schema []byte

func main() {
	pftfbridge.MainWithMuxer(context.Background(), "docker", bridge.Provider(), schema)
}
