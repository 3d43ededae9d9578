package components

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/components/names"
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
	// DomainPrefix is the hosted-UI domain prefix. Prefixes are unique in a
	// region across every AWS customer, so the default is the identity's name
	// with a hash of the account, region and name (DefaultDomainPrefix); a
	// fixed default would be taken by the first account that deploys it.
	DomainPrefix string
	// Mfa is "ON" or "OPTIONAL". Defaults to "ON" under fedramp-high and
	// "OPTIONAL" otherwise; "OPTIONAL" under fedramp-high is refused.
	Mfa string
	// AdvancedSecurity (threat protection) is "ENFORCED", "AUDIT" or "OFF".
	// Defaults to "ENFORCED" under fedramp-high outside GovCloud, which does
	// not offer it, and "OFF" elsewhere: it needs the paid Plus feature plan.
	AdvancedSecurity string
	// FeaturePlan is the user pool tier: "LITE", "ESSENTIALS" or "PLUS".
	// Defaults to "PLUS" when AdvancedSecurity is on (threat protection needs
	// it) and to "ESSENTIALS", the tier AWS gives new pools, otherwise.
	FeaturePlan string
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
	// FIPSEndpoints points JwksUrl at Cognito's FIPS endpoint. Defaults to
	// false; GovCloud always uses it, having no other.
	FIPSEndpoints bool
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
	// IssuerUrl is the OIDC issuer the BFF verifies ID tokens against: the
	// `iss` claim, https://cognito-idp.<region>.<suffix>/<pool>.
	IssuerUrl pulumi.StringOutput
	// JwksUrl is where the signing keys are fetched: the issuer's
	// /.well-known/jwks.json on the FIPS endpoint (cognito-idp-fips) when FIPS
	// endpoints are in use; GovCloud serves Cognito on FIPS endpoints only.
	JwksUrl pulumi.StringOutput
	// HostedUiUrl is the hosted-UI base URL (auth-fips under fedramp-high and in GovCloud).
	HostedUiUrl pulumi.StringOutput
}

var domainPrefixPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// Cognito feature plans (user pool tiers).
const (
	FeaturePlanLite       = "LITE"
	FeaturePlanEssentials = "ESSENTIALS"
	FeaturePlanPlus       = "PLUS"
)

// CustomAttributes are the custom user-pool attributes every pool declares,
// whether or not it is federated: Cognito can add schema attributes but
// never remove or change them, so a schema that followed the configuration
// would make turning federation off fail at apply.
var CustomAttributes = []string{"piv_id"}

// DefaultDomainPrefix is the hosted-UI prefix of the identity named name in
// acct: the name, fitted to Cognito's rules, and a hash of account, region
// and name.
func DefaultDomainPrefix(acct *Account, name string) string {
	return names.For(typeUserPoolDomain).Fit(name, acct.AccountID, acct.Region)
}

// UsesFIPSHostedUI reports whether the hosted UI is served from auth-fips:
// under fedramp-high, and always in GovCloud, which has no other endpoint.
func UsesFIPSHostedUI(compliance string, acct *Account) bool {
	return compliance == ComplianceFedRAMPHigh || (acct != nil && acct.IsGovCloud())
}

// HostedUiUrl is the hosted-UI base URL of a domain prefix.
func HostedUiUrl(prefix, compliance string, acct *Account) string {
	host := "auth"
	if UsesFIPSHostedUI(compliance, acct) {
		host = "auth-fips"
	}
	return fmt.Sprintf("https://%s.%s.%s.amazoncognito.com", prefix, host, acct.Region)
}

func (a *IdentityArgs) withDefaults(name string) IdentityArgs {
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
		out.AdvancedSecurity = "OFF"
		if out.Compliance == ComplianceFedRAMPHigh && out.Account != nil && !out.Account.IsGovCloud() {
			out.AdvancedSecurity = "ENFORCED"
		}
	}
	if out.FeaturePlan == "" {
		out.FeaturePlan = FeaturePlanEssentials
		if out.AdvancedSecurity != "OFF" {
			out.FeaturePlan = FeaturePlanPlus
		}
	}
	if out.DomainPrefix == "" && out.Account != nil {
		out.DomainPrefix = DefaultDomainPrefix(out.Account, name)
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
	for _, w := range names.For(typeUserPoolDomain).ReservedWords {
		if strings.Contains(a.DomainPrefix, w) {
			errs = append(errs, fmt.Errorf("DomainPrefix %q contains %q, which Cognito reserves", a.DomainPrefix, w))
		}
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
	switch a.FeaturePlan {
	case FeaturePlanLite, FeaturePlanEssentials:
		if a.AdvancedSecurity != "OFF" {
			errs = append(errs, fmt.Errorf("FeaturePlan %s has no threat protection: AdvancedSecurity %s needs %s", a.FeaturePlan, a.AdvancedSecurity, FeaturePlanPlus))
		}
	case FeaturePlanPlus:
	default:
		errs = append(errs, fmt.Errorf("FeaturePlan %q must be %s, %s or %s", a.FeaturePlan, FeaturePlanLite, FeaturePlanEssentials, FeaturePlanPlus))
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
	} else if len(f.Name) > 32 || strings.HasPrefix(f.Name, "_") || strings.ContainsAny(f.Name, " \t") {
		// CreateIdentityProvider: ProviderName is 1-32 characters without spaces or a leading underscore.
		errs = append(errs, fmt.Errorf("Federation.Name %q must be 1-32 characters without spaces or a leading underscore", f.Name))
	}
	for attr := range f.AttributeMapping {
		if custom, ok := strings.CutPrefix(attr, "custom:"); ok && !slices.Contains(CustomAttributes, custom) {
			errs = append(errs, fmt.Errorf("Federation.AttributeMapping maps %s, which the user pool does not declare (it declares %v)", attr, CustomAttributes))
		}
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
