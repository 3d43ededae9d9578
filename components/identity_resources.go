package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cognito"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NewIdentity creates the user pool, its groups and resource server, the
// optional federated IdP, the BFF's confidential client and the hosted-UI domain.
func NewIdentity(ctx *pulumi.Context, name string, args *IdentityArgs, opts ...pulumi.ResourceOption) (*Identity, error) {
	if args == nil {
		args = &IdentityArgs{}
	}
	a := args.withDefaults(name)
	if err := a.validate(); err != nil {
		return nil, err
	}
	id := &Identity{}
	if err := ctx.RegisterComponentResource("gatehouse:identity:Identity", name, id, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(id)

	poolArgs := userPoolArgs(&a)
	poolArgs.Name = physicalName(typeUserPool, name)
	pool, err := cognito.NewUserPool(ctx, name, poolArgs, child)
	if err != nil {
		return nil, fmt.Errorf("components: user pool %s: %w", name, err)
	}
	for i, group := range a.Groups {
		if _, err := cognito.NewUserGroup(ctx, fmt.Sprintf("%s-group-%s", name, group), &cognito.UserGroupArgs{
			UserPoolId: pool.ID(),
			Name:       pulumi.String(group),
			Precedence: pulumi.Int(i + 1),
		}, child); err != nil {
			return nil, fmt.Errorf("components: group %s: %w", group, err)
		}
	}
	scopes := pulumi.StringArray{pulumi.String("openid"), pulumi.String("email"), pulumi.String("profile")}
	var clientDeps []pulumi.Resource
	if len(a.ApiScopes) > 0 {
		serverScopes := cognito.ResourceServerScopeArray{}
		for _, s := range a.ApiScopes {
			serverScopes = append(serverScopes, cognito.ResourceServerScopeArgs{ScopeName: pulumi.String(s), ScopeDescription: pulumi.String("Gatehouse API scope " + s)})
			scopes = append(scopes, pulumi.String(a.ApiIdentifier+"/"+s))
		}
		rs, err := cognito.NewResourceServer(ctx, name+"-api", &cognito.ResourceServerArgs{
			UserPoolId: pool.ID(),
			Identifier: pulumi.String(a.ApiIdentifier),
			Name:       pulumi.String(a.ApiIdentifier),
			Scopes:     serverScopes,
		}, child)
		if err != nil {
			return nil, fmt.Errorf("components: resource server: %w", err)
		}
		clientDeps = append(clientDeps, rs)
	}
	providers := pulumi.StringArray{pulumi.String("COGNITO")}
	if f := a.Federation; f != nil {
		idp, err := cognito.NewIdentityProvider(ctx, name+"-idp", federationArgs(pool, f), child)
		if err != nil {
			return nil, fmt.Errorf("components: identity provider %s: %w", f.Name, err)
		}
		providers = pulumi.StringArray{idp.ProviderName}
	}

	client, err := cognito.NewUserPoolClient(ctx, name+"-bff", &cognito.UserPoolClientArgs{
		Name:                            physicalName(typeUserPoolClient, name+"-bff"),
		UserPoolId:                      pool.ID(),
		GenerateSecret:                  pulumi.Bool(true),
		AllowedOauthFlowsUserPoolClient: pulumi.Bool(true),
		AllowedOauthFlows:               pulumi.StringArray{pulumi.String("code")},
		AllowedOauthScopes:              scopes,
		ExplicitAuthFlows:               pulumi.StringArray{pulumi.String("ALLOW_REFRESH_TOKEN_AUTH")},
		CallbackUrls:                    a.CallbackUrls,
		LogoutUrls:                      a.LogoutUrls,
		SupportedIdentityProviders:      providers,
		AccessTokenValidity:             pulumi.Int(a.AccessTokenMinutes),
		IdTokenValidity:                 pulumi.Int(a.AccessTokenMinutes),
		RefreshTokenValidity:            pulumi.Int(a.RefreshTokenHours),
		TokenValidityUnits: cognito.UserPoolClientTokenValidityUnitsArgs{
			AccessToken:  pulumi.String("minutes"),
			IdToken:      pulumi.String("minutes"),
			RefreshToken: pulumi.String("hours"),
		},
		EnableTokenRevocation:      pulumi.Bool(true),
		PreventUserExistenceErrors: pulumi.String("ENABLED"),
	}, child, pulumi.DependsOn(clientDeps))
	if err != nil {
		return nil, fmt.Errorf("components: app client: %w", err)
	}
	secret, err := NewSecret(ctx, name+"-client-secret", &SecretArgs{
		Description: "Cognito client secret of the Gatehouse BFF",
		KmsKeyArn:   a.KmsKeyArn,
		Value:       client.ClientSecret,
	}, child)
	if err != nil {
		return nil, err
	}
	domain, err := cognito.NewUserPoolDomain(ctx, name+"-domain", &cognito.UserPoolDomainArgs{
		UserPoolId: pool.ID(),
		Domain:     pulumi.String(a.DomainPrefix),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("components: hosted UI domain: %w", err)
	}

	idpHost := "cognito-idp"
	if a.FIPSEndpoints || a.Account.IsGovCloud() {
		idpHost = "cognito-idp-fips"
	}
	id.UserPoolId = pool.ID().ToStringOutput()
	id.UserPoolArn = pool.Arn
	id.ClientId = client.ID().ToStringOutput()
	id.ClientSecret = pulumi.ToSecret(client.ClientSecret).(pulumi.StringOutput)
	id.ClientSecretArn = secret.Arn
	// Tokens name the standard host as their issuer even where only the FIPS
	// host answers (GovCloud), so the keys come from the FIPS host then.
	id.IssuerUrl = pulumi.Sprintf("https://cognito-idp.%s.%s/%s", a.Account.Region, a.Account.DNSSuffix, pool.ID())
	id.JwksUrl = pulumi.Sprintf("https://%s.%s.%s/%s/.well-known/jwks.json", idpHost, a.Account.Region, a.Account.DNSSuffix, pool.ID())
	id.HostedUiUrl = domain.Domain.ApplyT(func(prefix string) string {
		return HostedUiUrl(prefix, a.Compliance, a.Account)
	}).(pulumi.StringOutput)

	if err := ctx.RegisterResourceOutputs(id, pulumi.Map{
		"userPoolId":      id.UserPoolId,
		"userPoolArn":     id.UserPoolArn,
		"clientId":        id.ClientId,
		"clientSecretArn": id.ClientSecretArn,
		"issuerUrl":       id.IssuerUrl,
		"jwksUrl":         id.JwksUrl,
		"hostedUiUrl":     id.HostedUiUrl,
	}); err != nil {
		return nil, err
	}
	return id, nil
}

func userPoolArgs(a *IdentityArgs) *cognito.UserPoolArgs {
	args := &cognito.UserPoolArgs{
		DeletionProtection:     pulumi.String("ACTIVE"),
		MfaConfiguration:       pulumi.String(a.Mfa),
		UsernameAttributes:     pulumi.StringArray{pulumi.String("email")},
		AutoVerifiedAttributes: pulumi.StringArray{pulumi.String("email")},
		// Agencies provision users; self sign-up stays off unless a team adds it on purpose.
		AdminCreateUserConfig: cognito.UserPoolAdminCreateUserConfigArgs{AllowAdminCreateUserOnly: pulumi.Bool(true)},
		AccountRecoverySetting: cognito.UserPoolAccountRecoverySettingArgs{
			RecoveryMechanisms: cognito.UserPoolAccountRecoverySettingRecoveryMechanismArray{
				cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs{Name: pulumi.String("verified_email"), Priority: pulumi.Int(1)},
			},
		},
		SoftwareTokenMfaConfiguration: cognito.UserPoolSoftwareTokenMfaConfigurationArgs{Enabled: pulumi.Bool(true)},
		Schemas:                       cognito.UserPoolSchemaArray{},
		PasswordPolicy: cognito.UserPoolPasswordPolicyArgs{
			MinimumLength:                 pulumi.Int(14),
			RequireLowercase:              pulumi.Bool(true),
			RequireUppercase:              pulumi.Bool(true),
			RequireNumbers:                pulumi.Bool(true),
			RequireSymbols:                pulumi.Bool(true),
			TemporaryPasswordValidityDays: pulumi.Int(3),
		},
	}
	// The tier is always explicit: left unset, AWS picks one and a later
	// change of its default would show up as drift. Threat protection needs PLUS.
	args.UserPoolTier = pulumi.String(a.FeaturePlan)
	if a.AdvancedSecurity != "OFF" {
		args.UserPoolAddOns = cognito.UserPoolUserPoolAddOnsArgs{AdvancedSecurityMode: pulumi.String(a.AdvancedSecurity)}
	}
	// The same schema with or without federation (see CustomAttributes).
	for _, attr := range CustomAttributes {
		args.Schemas = append(args.Schemas.(cognito.UserPoolSchemaArray), cognito.UserPoolSchemaArgs{
			Name:              pulumi.String(attr),
			AttributeDataType: pulumi.String("String"),
			Mutable:           pulumi.Bool(true),
			StringAttributeConstraints: cognito.UserPoolSchemaStringAttributeConstraintsArgs{
				MinLength: pulumi.String("1"), MaxLength: pulumi.String("256"),
			},
		})
	}
	return args
}

func federationArgs(pool *cognito.UserPool, f *FederationArgs) *cognito.IdentityProviderArgs {
	mapping := f.AttributeMapping
	if len(mapping) == 0 {
		mapping = map[string]string{"email": "email"}
		if f.Type == "SAML" {
			mapping = map[string]string{"email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"}
		}
	}
	details := pulumi.StringMap{}
	if f.Type == "SAML" {
		details["MetadataURL"] = pulumi.String(f.MetadataUrl)
		details["IDPSignout"] = pulumi.String("true")
	} else {
		scopes := f.Scopes
		if scopes == "" {
			scopes = "openid email profile"
		}
		details["client_id"] = pulumi.String(f.ClientId)
		details["client_secret"] = f.ClientSecret
		details["oidc_issuer"] = pulumi.String(f.Issuer)
		details["authorize_scopes"] = pulumi.String(scopes)
		details["attributes_request_method"] = pulumi.String("GET")
	}
	return &cognito.IdentityProviderArgs{
		UserPoolId:       pool.ID(),
		ProviderName:     pulumi.String(f.Name),
		ProviderType:     pulumi.String(f.Type),
		ProviderDetails:  details,
		AttributeMapping: pulumi.ToStringMap(mapping),
	}
}
