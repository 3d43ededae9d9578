package components

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/internal/offline"
)

func runProgram(t *testing.T, m *offline.Mocks, program pulumi.RunFunc) error {
	t.Helper()
	return offline.Run("gatehouse", "test", map[string]string{"aws:region": m.Region}, m, program, offline.Options{})
}

func testAccount(partition, region string) *Account {
	return &Account{Partition: partition, AccountID: "123456789012", Region: region, DNSSuffix: "amazonaws.com"}
}

// TestValidationReportsEveryProblem checks that each component refuses bad
// arguments before creating anything, and lists all the problems at once.
func TestValidationReportsEveryProblem(t *testing.T) {
	gov := testAccount(PartitionGovCloud, "us-gov-west-1")
	tests := []struct {
		name   string
		create func(ctx *pulumi.Context) error
		want   []string
	}{
		{
			name: "keys",
			create: func(ctx *pulumi.Context) error {
				_, err := NewKeys(ctx, "k", &KeysArgs{DeletionWindowDays: 3})
				return err
			},
			want: []string{"Account is required (use LookupAccount)", "DeletionWindowDays is 3; KMS accepts 7 to 30"},
		},
		{
			name: "web ACL",
			create: func(ctx *pulumi.Context) error {
				_, err := NewWebAcl(ctx, "w", &WebAclArgs{Scope: "GLOBAL", RateLimit: 10})
				return err
			},
			want: []string{
				`Scope "GLOBAL" must be CLOUDFRONT or REGIONAL`,
				"RateLimit 10 must be between 100 and 2000000000 requests per 5 minutes",
				"LogKeyArn is required: WAF logs are encrypted with the log CMK",
			},
		},
		{
			name: "identity",
			create: func(ctx *pulumi.Context) error {
				_, err := NewIdentity(ctx, "i", &IdentityArgs{
					Account: gov, Compliance: ComplianceFedRAMPHigh, Mfa: "OPTIONAL", AdvancedSecurity: "ENFORCED",
					DomainPrefix: "Bad_Prefix", AccessTokenMinutes: 2,
					Federation: &FederationArgs{Type: "LDAP"},
				})
				return err
			},
			want: []string{
				"CallbackUrls and LogoutUrls are required",
				"KmsKeyArn is required: the client secret is stored under the data CMK",
				`DomainPrefix "Bad_Prefix" must be 1-63 lowercase letters, digits or hyphens`,
				"Mfa must be ON under fedramp-high (IA-2(1), IA-2(2))",
				"AdvancedSecurity is not offered in aws-us-gov; leave it unset",
				"AccessTokenMinutes 2 must be 5 to 1440",
				"Federation.Name is required",
				`Federation.Type "LDAP" must be SAML or OIDC`,
			},
		},
		{
			name: "session table",
			create: func(ctx *pulumi.Context) error {
				_, err := NewSessionTable(ctx, "s", &SessionTableArgs{})
				return err
			},
			want: []string{"KmsKeyArn is required: sessions hold sealed tokens and are encrypted with the data CMK"},
		},
		{
			name: "log group",
			create: func(ctx *pulumi.Context) error {
				_, err := NewLogGroup(ctx, "l", &LogGroupArgs{RetentionDays: 42})
				return err
			},
			want: []string{
				"KmsKeyArn is required: log groups are encrypted with the log CMK",
				"RetentionDays 42 is not a CloudWatch Logs retention (use 90, 180, 365, 731, ...)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := offline.ForRegion("us-gov-west-1")
			err := runProgram(t, m, tt.create)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a ValidationError, got %v", err)
			}
			var got []string
			for _, p := range ve.Problems {
				got = append(got, p.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if n := len(m.Resources()); n != 0 {
				t.Errorf("%d resources were created before validation failed", n)
			}
		})
	}
}

// TestIdentityPartitionAndCompliance checks the Cognito settings that change
// with partition and compliance.
func TestIdentityPartitionAndCompliance(t *testing.T) {
	tests := []struct {
		name, partition, region, compliance string
		fips                                bool
		wantMfa, wantAdvanced, wantHost     string
		wantTier, wantKeysHost              string
	}{
		{"commercial", PartitionCommercial, "us-east-1", ComplianceNone, false, "OPTIONAL", "", ".auth.us-east-1.amazoncognito.com",
			FeaturePlanEssentials, "https://cognito-idp.us-east-1."},
		{"fedramp commercial", PartitionCommercial, "us-east-1", ComplianceFedRAMPHigh, true, "ON", "ENFORCED", ".auth-fips.us-east-1.amazoncognito.com",
			FeaturePlanPlus, "https://cognito-idp-fips.us-east-1."},
		// GovCloud answers on FIPS endpoints only, whatever the compliance level.
		{"govcloud", PartitionGovCloud, "us-gov-west-1", ComplianceNone, false, "OPTIONAL", "", ".auth-fips.us-gov-west-1.amazoncognito.com",
			FeaturePlanEssentials, "https://cognito-idp-fips.us-gov-west-1."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := offline.ForRegion(tt.region)
			var hosted, issuer, keys string
			err := runProgram(t, m, func(ctx *pulumi.Context) error {
				id, err := NewIdentity(ctx, "app", &IdentityArgs{
					Account: testAccount(tt.partition, tt.region), Compliance: tt.compliance,
					CallbackUrls: pulumi.StringArray{pulumi.String("https://app.example.gov/auth/callback")},
					LogoutUrls:   pulumi.StringArray{pulumi.String("https://app.example.gov/")},
					KmsKeyArn:    pulumi.String("arn:" + tt.partition + ":kms:" + tt.region + ":123456789012:key/k"),
					Groups:       []string{"staff"}, ApiScopes: []string{"todos.read"}, FIPSEndpoints: tt.fips,
				})
				if err != nil {
					return err
				}
				id.HostedUiUrl.ApplyT(func(s string) string { hosted = s; return s })
				id.IssuerUrl.ApplyT(func(s string) string { issuer = s; return s })
				id.JwksUrl.ApplyT(func(s string) string { keys = s; return s })
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var pool offline.Resource
			for _, r := range m.ByType("aws:cognito/userPool:UserPool") {
				pool = r
			}
			if got := offline.GetString(pool.Inputs, "mfaConfiguration"); got != tt.wantMfa {
				t.Errorf("MFA %s, want %s", got, tt.wantMfa)
			}
			if got := offline.GetString(pool.Inputs, "userPoolAddOns.advancedSecurityMode"); got != tt.wantAdvanced {
				t.Errorf("advanced security %q, want %q", got, tt.wantAdvanced)
			}
			if !strings.HasSuffix(hosted, tt.wantHost) {
				t.Errorf("hosted UI %s, want *%s", hosted, tt.wantHost)
			}
			if got := offline.GetString(pool.Inputs, "userPoolTier"); got != tt.wantTier {
				t.Errorf("feature plan %q, want %q: the tier is always explicit", got, tt.wantTier)
			}
			if !strings.HasPrefix(keys, tt.wantKeysHost) || !strings.HasSuffix(keys, "/.well-known/jwks.json") {
				t.Errorf("signing keys at %s, want %s…/.well-known/jwks.json", keys, tt.wantKeysHost)
			}
			domain := only(t, m, "aws:cognito/userPoolDomain:UserPoolDomain")
			if got, want := offline.GetString(domain.Inputs, "domain"), DefaultDomainPrefix(testAccount(tt.partition, tt.region), "app"); got != want ||
				!strings.Contains(got, "-") || len(got) > 63 {
				t.Errorf("default domain prefix %q, want %q (unique to the account)", got, want)
			}
			if !strings.HasPrefix(issuer, "https://cognito-idp."+tt.region+".amazonaws.com/"+tt.region+"_") {
				t.Errorf("issuer %s", issuer)
			}
			client := m.ByType("aws:cognito/userPoolClient:UserPoolClient")[0]
			flows, _ := offline.Get(client.Inputs, "allowedOauthFlows")
			if !offline.GetBool(client.Inputs, "generateSecret") || !offline.GetBool(client.Inputs, "enableTokenRevocation") ||
				len(flows.ArrayValue()) != 1 || flows.ArrayValue()[0].StringValue() != "code" {
				t.Errorf("the BFF client must be confidential, code-flow only, with revocation: %v", client.Inputs)
			}
			secret := m.ByType("aws:secretsmanager/secret:Secret")[0]
			if !strings.HasPrefix(offline.GetString(secret.Inputs, "kmsKeyId"), "arn:"+tt.partition+":kms:") {
				t.Errorf("client secret not under the data CMK: %v", secret.Inputs)
			}
		})
	}
}

// only returns the single resource of a type, failing the test otherwise.
func only(t *testing.T, m *offline.Mocks, token string) offline.Resource {
	t.Helper()
	rs := m.ByType(token)
	if len(rs) != 1 {
		t.Fatalf("%s: %d resources, want 1", token, len(rs))
	}
	return rs[0]
}

// named returns the resource of a type with the given logical name.
func named(t *testing.T, m *offline.Mocks, token, name string) offline.Resource {
	t.Helper()
	for _, r := range m.ByType(token) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %s", token, name)
	return offline.Resource{}
}

// TestIdentitySchemaDoesNotFollowFederation: Cognito adds schema attributes
// but never removes them, so a pool's schema must be the same whether or not
// it is federated, or turning federation off fails at apply.
func TestIdentitySchemaDoesNotFollowFederation(t *testing.T) {
	schema := func(federation *FederationArgs) string {
		m := offline.ForRegion("us-gov-west-1")
		err := runProgram(t, m, func(ctx *pulumi.Context) error {
			_, err := NewIdentity(ctx, "app", &IdentityArgs{
				Account: testAccount(PartitionGovCloud, "us-gov-west-1"), Compliance: ComplianceFedRAMPHigh,
				CallbackUrls: pulumi.StringArray{pulumi.String("https://app.example.gov/auth/callback")},
				LogoutUrls:   pulumi.StringArray{pulumi.String("https://app.example.gov/")},
				KmsKeyArn:    pulumi.String("arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/k"),
				Federation:   federation,
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := offline.Get(only(t, m, "aws:cognito/userPool:UserPool").Inputs, "schemas")
		return fmt.Sprint(v)
	}
	federated := schema(&FederationArgs{Type: "SAML", Name: "AgencyICAM", MetadataUrl: "https://idp.example.gov/metadata",
		AttributeMapping: map[string]string{"custom:piv_id": "urn:oid:2.16.840.1.101.3.6.6"}})
	plain := schema(nil)
	if federated != plain || !strings.Contains(plain, "piv_id") {
		t.Fatalf("schema with federation %s, without %s: they must be equal and declare piv_id", federated, plain)
	}
}
