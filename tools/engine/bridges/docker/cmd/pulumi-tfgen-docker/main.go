// pulumi-tfgen-docker writes the package schema and bridge metadata (with the mux dispatch table) the provider
// binary embeds.
package main

import (
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
	bridge "github.com/terraform-providers/terraform-provider-docker/matrixfleetbridge"
)

func main() { pftfgen.MainWithMuxer("docker", bridge.Provider()) }
