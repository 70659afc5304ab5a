// Package bridge maps the upstream Terraform docker provider (kreuzwerker) to the Pulumi package that
// @pulumi/docker 5.2.0 declares, through pulumi-terraform-bridge. The upstream provider serves an SDKv2 and a
// plugin-framework provider side by side; the bridge muxes them the same way. Its module path lies under the
// provider's declared module path, so Go lets it import the provider's internal package.
//
// Names differ where @pulumi/docker renamed a Terraform name; each override below was compared with the npm
// SDK's .d.ts files (the engine build checks every property the project uses against them).
package bridge

import (
	"context"
	_ "embed"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// Version is the plugin version @pulumi/docker 5.2.0 asks the engine for.
const Version = "5.2.0"

// Written by `pulumi-tfgen-docker schema`; an empty document on the first (schema-generating) build.
//
//go:embed bridge-metadata.json
var metadata []byte

// Provider describes the bridged, muxed provider: docker_container becomes docker:index/container:Container.
func Provider() tfbridge.ProviderInfo {
	ctx := context.Background()
	upstreamVersion := "matrix-fleet-bridge-" + Version
	info := tfbridge.ProviderInfo{
		P: pftfbridge.MuxShimWithPF(ctx,
			shimv2.NewProvider(provider.New(upstreamVersion)()),
			provider.NewFrameworkProvider(upstreamVersion)()),
		Name:         "docker",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Config: map[string]*tfbridge.SchemaInfo{
			"host":          {Default: &tfbridge.DefaultInfo{Value: "unix:///var/run/docker.sock", EnvVars: []string{"DOCKER_HOST"}}},
			"registry_auth": {Name: "registryAuth"},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			// @pulumi/docker's Image is a native build resource; the Terraform docker_image is its RemoteImage.
			"docker_image":  {Tok: "docker:index/remoteImage:RemoteImage"},
			"docker_config": {Tok: "docker:index/serviceConfig:ServiceConfig"},
			// As pulumi-docker does (provider/resources.go): a container's name is unique on its host, so the
			// old container must go before its replacement can be created (Terraform's own order).
			"docker_container": {
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image": {Tok: "docker:index/getRemoteImage:getRemoteImage"},
		},
	}
	info.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	return info
}
