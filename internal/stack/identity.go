package stack

import (
	"math"

	"github.com/gatehouse/gatehouse/components"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// identityArgs maps the stack's configuration to the Cognito identity,
// without the callback and logout URLs, which name the topology's front door.
func identityArgs(cfg *Config, shared *Shared) *components.IdentityArgs {
	var federation *components.FederationArgs
	if f := cfg.Federation; f != nil {
		federation = &components.FederationArgs{
			Type: f.Type, Name: f.Name, MetadataUrl: f.MetadataUrl, Issuer: f.Issuer, ClientId: f.ClientId,
			Scopes: f.Scopes, AttributeMapping: f.AttributeMapping,
		}
		if f.ClientSecret != "" {
			federation.ClientSecret = pulumi.ToSecret(pulumi.String(f.ClientSecret)).(pulumi.StringOutput)
		}
	}
	return &components.IdentityArgs{
		Account:            shared.Account,
		Compliance:         cfg.Compliance,
		DomainPrefix:       cfg.CognitoDomainPrefix,
		Mfa:                cfg.Mfa,
		AdvancedSecurity:   cfg.AdvancedSecurity,
		FeaturePlan:        cfg.CognitoFeaturePlan,
		FIPSEndpoints:      cfg.FIPSEndpoints(),
		Federation:         federation,
		Groups:             cfg.Groups,
		ApiScopes:          cfg.ApiScopes,
		AccessTokenMinutes: cfg.AccessTokenMinutes,
		// Refresh tokens outliving the session would only be revoked, never used.
		RefreshTokenHours: int(math.Ceil(cfg.SessionAbsoluteTimeout.Hours())),
		KmsKeyArn:         shared.Keys.DataArn,
	}
}

// newIdentity creates the Cognito identity for the app served at publicURL
// (https://<host>, no trailing slash), for topologies that know their front
// door before the identity.
func newIdentity(ctx *pulumi.Context, cfg *Config, shared *Shared, publicURL pulumi.StringInput) (*components.Identity, error) {
	args := identityArgs(cfg, shared)
	url := publicURL.ToStringOutput()
	args.CallbackUrls = pulumi.StringArray{pulumi.Sprintf("%s/auth/callback", url)}
	args.LogoutUrls = pulumi.StringArray{pulumi.Sprintf("%s/", url)}
	return components.NewIdentity(ctx, cfg.Prefix()+"-identity", args, pulumi.Provider(shared.Provider))
}
