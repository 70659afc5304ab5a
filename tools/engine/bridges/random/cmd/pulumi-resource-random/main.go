// pulumi-resource-random is the provider plugin the Pulumi engine starts for @pulumi/random.
package main

import (
	"context"
	_ "embed"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	bridge "github.com/terraform-providers/terraform-provider-random/matrixfleetbridge"
)

//go:embed schema.json
var schema []byte

func main() {
	pftfbridge.Main(context.Background(), "random", bridge.Provider(), pftfbridge.ProviderMetadata{PackageSchema: schema})
}
