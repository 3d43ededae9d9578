package components

import (
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/internal/mocks"
)

func runProgram(t *testing.T, m *mocks.Mocks, program pulumi.RunFunc) error {
	t.Helper()
	return mocks.Run("gatehouse", "test", map[string]string{"aws:region": m.Region}, m, program, mocks.Options{})
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
			m := mocks.ForRegion("us-gov-west-1")
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
		wantMfa, wantAdvanced, wantHost     string
	}{
		{"commercial", PartitionCommercial, "us-east-1", ComplianceNone, "OPTIONAL", "ENFORCED", ".auth.us-east-1.amazoncognito.com"},
		{"fedramp commercial", PartitionCommercial, "us-east-1", ComplianceFedRAMPHigh, "ON", "ENFORCED", ".auth-fips.us-east-1.amazoncognito.com"},
		{"govcloud", PartitionGovCloud, "us-gov-west-1", ComplianceFedRAMPHigh, "ON", "", ".auth-fips.us-gov-west-1.amazoncognito.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mocks.ForRegion(tt.region)
			var hosted, issuer string
			err := runProgram(t, m, func(ctx *pulumi.Context) error {
				id, err := NewIdentity(ctx, "app", &IdentityArgs{
					Account: testAccount(tt.partition, tt.region), Compliance: tt.compliance,
					CallbackUrls: pulumi.StringArray{pulumi.String("https://app.example.gov/auth/callback")},
					LogoutUrls:   pulumi.StringArray{pulumi.String("https://app.example.gov/")},
					DomainPrefix: "app-test", KmsKeyArn: pulumi.String("arn:" + tt.partition + ":kms:" + tt.region + ":123456789012:key/k"),
					Groups: []string{"staff"}, ApiScopes: []string{"todos.read"},
				})
				if err != nil {
					return err
				}
				id.HostedUiUrl.ApplyT(func(s string) string { hosted = s; return s })
				id.IssuerUrl.ApplyT(func(s string) string { issuer = s; return s })
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var pool mocks.Resource
			for _, r := range m.ByType("aws:cognito/userPool:UserPool") {
				pool = r
			}
			if got := mocks.GetString(pool.Inputs, "mfaConfiguration"); got != tt.wantMfa {
				t.Errorf("MFA %s, want %s", got, tt.wantMfa)
			}
			if got := mocks.GetString(pool.Inputs, "userPoolAddOns.advancedSecurityMode"); got != tt.wantAdvanced {
				t.Errorf("advanced security %q, want %q", got, tt.wantAdvanced)
			}
			if !strings.HasSuffix(hosted, tt.wantHost) {
				t.Errorf("hosted UI %s, want *%s", hosted, tt.wantHost)
			}
			if !strings.HasPrefix(issuer, "https://cognito-idp."+tt.region+".amazonaws.com/"+tt.region+"_") {
				t.Errorf("issuer %s", issuer)
			}
			client := m.ByType("aws:cognito/userPoolClient:UserPoolClient")[0]
			flows, _ := mocks.Get(client.Inputs, "allowedOauthFlows")
			if !mocks.GetBool(client.Inputs, "generateSecret") || !mocks.GetBool(client.Inputs, "enableTokenRevocation") ||
				len(flows.ArrayValue()) != 1 || flows.ArrayValue()[0].StringValue() != "code" {
				t.Errorf("the BFF client must be confidential, code-flow only, with revocation: %v", client.Inputs)
			}
			secret := m.ByType("aws:secretsmanager/secret:Secret")[0]
			if !strings.HasPrefix(mocks.GetString(secret.Inputs, "kmsKeyId"), "arn:"+tt.partition+":kms:") {
				t.Errorf("client secret not under the data CMK: %v", secret.Inputs)
			}
		})
	}
}

// only returns the single resource of a type, failing the test otherwise.
func only(t *testing.T, m *mocks.Mocks, token string) mocks.Resource {
	t.Helper()
	rs := m.ByType(token)
	if len(rs) != 1 {
		t.Fatalf("%s: %d resources, want 1", token, len(rs))
	}
	return rs[0]
}

// named returns the resource of a type with the given logical name.
func named(t *testing.T, m *mocks.Mocks, token, name string) mocks.Resource {
	t.Helper()
	for _, r := range m.ByType(token) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %s", token, name)
	return mocks.Resource{}
}
