// Package bridge maps the upstream Terraform random provider to the Pulumi package that @pulumi/random declares,
// through pulumi-terraform-bridge (the arrangement Pulumi's own provider uses, without its extras). Its module
// path lies under terraform-provider-random's, so Go lets it import that provider's internal package.
package bridge

import (
	_ "embed"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// Version is the plugin version @pulumi/random 4.21.2 asks the engine for; the CLI resolves the plugin by it.
const Version = "4.21.2"

// Written by `pulumi-tfgen-random schema`; an empty document on the first (schema-generating) build.
//
//go:embed bridge-metadata.json
var metadata []byte

// Provider describes the bridged provider. Tokens keep the Terraform name whole, as @pulumi/random's do:
// random_password becomes random:index/randomPassword:RandomPassword.
func Provider() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            pftfbridge.ShimProvider(provider.New()),
		Name:         "random",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	info.MustComputeTokens(tokens.SingleModule("", "index", tokens.MakeStandard("random")))
	return info
}
