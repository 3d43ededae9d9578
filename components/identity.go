package components

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Compliance levels.
const (
	ComplianceNone        = "none"
	ComplianceFedRAMPHigh = "fedramp-high"
)

// IdentityArgs configures the Cognito identity for one app.
type IdentityArgs struct {
	// Account is the looked-up partition, account and region. Required.
	Account *Account
	// Compliance is "none" or "fedramp-high"; fedramp-high makes MFA required
	// and the hosted UI use the FIPS endpoint. Defaults to "none".
	Compliance string
	// CallbackUrls are the BFF's redirect URIs (https://<host>/auth/callback). Required.
	CallbackUrls pulumi.StringArrayInput
	// LogoutUrls are where Cognito may send the user after logout (https://<host>/). Required.
	LogoutUrls pulumi.StringArrayInput
	// DomainPrefix is the hosted-UI domain prefix, unique in the region. Required.
	DomainPrefix string
	// Mfa is "ON" or "OPTIONAL". Defaults to "ON" under fedramp-high and
	// "OPTIONAL" otherwise; "OPTIONAL" under fedramp-high is refused.
	Mfa string
	// AdvancedSecurity is "ENFORCED", "AUDIT" or "OFF". Defaults to "ENFORCED"
	// where the partition offers it and "OFF" in GovCloud, which does not.
	AdvancedSecurity string
	// Federation adds a SAML or OIDC identity provider (an agency IdP). When set,
	// the app client signs users in through it only. Defaults to none.
	Federation *FederationArgs
	// Groups are Cognito groups to create (they reach the BFF as claims). Defaults to none.
	Groups []string
	// ApiScopes are scopes of the downstream API resource server. Defaults to none.
	ApiScopes []string
	// ApiIdentifier names the resource server. Defaults to "gatehouse-api".
	ApiIdentifier string
	// AccessTokenMinutes is the access and ID token life. Defaults to 15 (5 to 1440).
	AccessTokenMinutes int
	// RefreshTokenHours is the refresh token life; match the session's absolute
	// timeout. Defaults to 12.
	RefreshTokenHours int
	// KmsKeyArn is the data CMK that encrypts the client-secret secret. Required.
	KmsKeyArn pulumi.StringInput
}

// FederationArgs describes an external identity provider.
type FederationArgs struct {
	// Type is "SAML" or "OIDC". Required.
	Type string
	// Name is the provider name users see and the client lists. Required.
	Name string
	// MetadataUrl is the SAML metadata URL (SAML).
	MetadataUrl string
	// Issuer, ClientId and ClientSecret configure an OIDC provider (OIDC).
	Issuer, ClientId string
	ClientSecret     pulumi.StringInput
	// Scopes requested from an OIDC provider. Defaults to "openid email profile".
	Scopes string
	// AttributeMapping maps user-pool attributes to IdP claims or SAML
	// attributes, e.g. "custom:piv_id" → the EDIPI/UUID attribute.
	// Defaults to email and the IdP's subject as "username".
	AttributeMapping map[string]string
}

// Identity is the Cognito user pool, the BFF's confidential client and the
// hosted-UI domain.
type Identity struct {
	pulumi.ResourceState

	UserPoolId, UserPoolArn, ClientId pulumi.StringOutput
	// ClientSecret is a Pulumi secret; runtimes get ClientSecretArn instead.
	ClientSecret    pulumi.StringOutput
	ClientSecretArn pulumi.StringOutput
	// IssuerUrl is the OIDC issuer the BFF verifies ID tokens against.
	IssuerUrl pulumi.StringOutput
	// HostedUiUrl is the hosted-UI base URL (auth-fips under fedramp-high).
	HostedUiUrl pulumi.StringOutput
}

var domainPrefixPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

func (a *IdentityArgs) withDefaults() IdentityArgs {
	out := *a
	if out.Compliance == "" {
		out.Compliance = ComplianceNone
	}
	if out.Mfa == "" {
		out.Mfa = "OPTIONAL"
		if out.Compliance == ComplianceFedRAMPHigh {
			out.Mfa = "ON"
		}
	}
	if out.AdvancedSecurity == "" {
		out.AdvancedSecurity = "ENFORCED"
		if out.Account != nil && out.Account.IsGovCloud() {
			out.AdvancedSecurity = "OFF"
		}
	}
	if out.ApiIdentifier == "" {
		out.ApiIdentifier = "gatehouse-api"
	}
	if out.AccessTokenMinutes == 0 {
		out.AccessTokenMinutes = 15
	}
	if out.RefreshTokenHours == 0 {
		out.RefreshTokenHours = 12
	}
	return out
}

func (a *IdentityArgs) validate() error {
	var errs []error
	if a.Account == nil {
		errs = append(errs, errors.New("Account is required (use LookupAccount)"))
	}
	if a.CallbackUrls == nil || a.LogoutUrls == nil {
		errs = append(errs, errors.New("CallbackUrls and LogoutUrls are required"))
	}
	if a.KmsKeyArn == nil {
		errs = append(errs, errors.New("KmsKeyArn is required: the client secret is stored under the data CMK"))
	}
	if !domainPrefixPattern.MatchString(a.DomainPrefix) {
		errs = append(errs, fmt.Errorf("DomainPrefix %q must be 1-63 lowercase letters, digits or hyphens", a.DomainPrefix))
	}
	switch {
	case a.Mfa != "ON" && a.Mfa != "OPTIONAL":
		errs = append(errs, fmt.Errorf("Mfa %q must be ON or OPTIONAL", a.Mfa))
	case a.Mfa != "ON" && a.Compliance == ComplianceFedRAMPHigh:
		errs = append(errs, errors.New("Mfa must be ON under fedramp-high (IA-2(1), IA-2(2))"))
	}
	switch a.AdvancedSecurity {
	case "ENFORCED", "AUDIT", "OFF":
		if a.AdvancedSecurity != "OFF" && a.Account != nil && a.Account.IsGovCloud() {
			errs = append(errs, errors.New("AdvancedSecurity is not offered in aws-us-gov; leave it unset"))
		}
	default:
		errs = append(errs, fmt.Errorf("AdvancedSecurity %q must be ENFORCED, AUDIT or OFF", a.AdvancedSecurity))
	}
	if a.AccessTokenMinutes < 5 || a.AccessTokenMinutes > 1440 {
		errs = append(errs, fmt.Errorf("AccessTokenMinutes %d must be 5 to 1440", a.AccessTokenMinutes))
	}
	if a.RefreshTokenHours < 1 || a.RefreshTokenHours > 87600 {
		errs = append(errs, fmt.Errorf("RefreshTokenHours %d must be 1 to 87600", a.RefreshTokenHours))
	}
	if f := a.Federation; f != nil {
		errs = append(errs, f.validate()...)
	}
	return joinErrors("identity", errs)
}

func (f *FederationArgs) validate() []error {
	var errs []error
	if f.Name == "" {
		errs = append(errs, errors.New("Federation.Name is required"))
	}
	switch f.Type {
	case "SAML":
		if f.MetadataUrl == "" {
			errs = append(errs, errors.New("Federation.MetadataUrl is required for SAML"))
		}
	case "OIDC":
		if f.Issuer == "" || f.ClientId == "" || f.ClientSecret == nil {
			errs = append(errs, errors.New("Federation.Issuer, ClientId and ClientSecret are required for OIDC"))
		}
	default:
		errs = append(errs, fmt.Errorf("Federation.Type %q must be SAML or OIDC", f.Type))
	}
	return errs
}
