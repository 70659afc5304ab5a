// pulumi-tfgen-random writes the package schema and bridge metadata the provider binary embeds.
package main

import (
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
	bridge "github.com/terraform-providers/terraform-provider-random/matrixfleetbridge"
)

func main() { pftfgen.Main("random", bridge.Provider()) }
