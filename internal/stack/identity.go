package stack

import (
	"math"

	"github.com/gatehouse/gatehouse/components"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newIdentity creates the Cognito identity for the app served at publicURL
// (https://<host>, no trailing slash). Topologies call it once they know
// their front door, because the callback URL names it.
func newIdentity(ctx *pulumi.Context, cfg *Config, shared *Shared, publicURL pulumi.StringInput) (*components.Identity, error) {
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
	url := publicURL.ToStringOutput()
	return components.NewIdentity(ctx, cfg.Prefix()+"-identity", &components.IdentityArgs{
		Account:            shared.Account,
		Compliance:         cfg.Compliance,
		CallbackUrls:       pulumi.StringArray{pulumi.Sprintf("%s/auth/callback", url)},
		LogoutUrls:         pulumi.StringArray{pulumi.Sprintf("%s/", url)},
		DomainPrefix:       cfg.CognitoDomainPrefix,
		Mfa:                cfg.Mfa,
		AdvancedSecurity:   cfg.AdvancedSecurity,
		Federation:         federation,
		Groups:             cfg.Groups,
		ApiScopes:          cfg.ApiScopes,
		AccessTokenMinutes: cfg.AccessTokenMinutes,
		// Refresh tokens outliving the session would only be revoked, never used.
		RefreshTokenHours: int(math.Ceil(cfg.SessionAbsoluteTimeout.Hours())),
		KmsKeyArn:         shared.Keys.DataArn,
	}, pulumi.Provider(shared.Provider))
}
