package stack

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func parseMap(t *testing.T, values map[string]string) (*Config, error) {
	t.Helper()
	return Parse("gatehouse", "test", t.TempDir(), Source{
		Get: func(k string) (string, bool) {
			v, ok := values[k]
			return v, ok
		},
		IsSecret: func(k string) bool { return strings.HasPrefix(values[k], "secret:") },
	})
}

const (
	usEast1Cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
	govCert     = "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/abc"
)

func TestParseGoodConfigs(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]string
		check  func(t *testing.T, c *Config)
	}{
		{
			name:   "commercial defaults to edge without compliance",
			values: map[string]string{"aws:region": "us-east-1"},
			check: func(t *testing.T, c *Config) {
				want := Config{Partition: "aws", Topology: TopologyEdge, Compliance: "none", SessionIdleTimeout: 15 * time.Minute, SessionAbsoluteTimeout: 12 * time.Hour}
				if c.Partition != want.Partition || c.Topology != want.Topology || c.Compliance != want.Compliance ||
					c.SessionIdleTimeout != want.SessionIdleTimeout || c.SessionAbsoluteTimeout != want.SessionAbsoluteTimeout {
					t.Errorf("got %+v", c)
				}
				if c.FIPS() {
					t.Error("FIPS on without fedramp-high")
				}
			},
		},
		{
			name: "govcloud defaults to regional fedramp-high",
			values: map[string]string{
				"aws:region": "us-gov-west-1", "gatehouse:domain": "app.agency.gov", "gatehouse:certificateArn": govCert,
			},
			check: func(t *testing.T, c *Config) {
				if c.Partition != "aws-us-gov" || c.Topology != TopologyRegional || c.Compliance != "fedramp-high" || !c.FIPS() {
					t.Errorf("got partition %s topology %s compliance %s", c.Partition, c.Topology, c.Compliance)
				}
			},
		},
		{
			name: "routes with timeouts and defaults",
			values: map[string]string{
				"aws:region":       "us-east-1",
				"gatehouse:routes": `[{"name":"todos","upstream":"https://todo.example","groups":["staff"],"timeout":"5s"},{"name":"b","upstream":"https://b.example"}]`,
			},
			check: func(t *testing.T, c *Config) {
				if len(c.Routes) != 2 || c.Routes[0].Timeout != 5*time.Second || c.Routes[1].Timeout != DefaultRouteTimeout ||
					c.Routes[1].MaxBodyBytes != DefaultRouteMaxBodyBytes || c.Routes[0].Groups[0] != "staff" {
					t.Errorf("routes %+v", c.Routes)
				}
			},
		},
		{
			name:   "lists accept comma-separated values",
			values: map[string]string{"aws:region": "us-east-1", "gatehouse:groups": "staff, admins"},
			check: func(t *testing.T, c *Config) {
				if strings.Join(c.Groups, "|") != "staff|admins" {
					t.Errorf("groups %q", c.Groups)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseMap(t, tt.values)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

// TestParseBadConfigs pins the exact messages users see: each says what is
// wrong and what to change.
func TestParseBadConfigs(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]string
		want   []string
	}{
		{
			name:   "edge in GovCloud",
			values: map[string]string{"aws:region": "us-gov-west-1", "gatehouse:topology": "edge", "gatehouse:domain": "a.agency.gov", "gatehouse:certificateArn": "arn:aws-us-gov:acm:us-east-1:1:certificate/x"},
			want: []string{
				`gatehouse:topology: "edge" is not available in aws-us-gov (us-gov-west-1): CloudFront does not exist in GovCloud; set gatehouse:topology to "regional"`,
			},
		},
		{
			name:   "missing domain when a certificate is required",
			values: map[string]string{"aws:region": "us-east-1", "gatehouse:topology": "regional"},
			want: []string{
				"gatehouse:domain: required: the regional topology serves HTTPS from the ALB with an ACM certificate for the domain; set gatehouse:domain to the app's host name",
				"gatehouse:certificateArn: required: the regional topology serves HTTPS from the ALB with an ACM certificate for the domain; set gatehouse:certificateArn to an issued ACM certificate",
			},
		},
		{
			name:   "fedramp edge needs a domain for TLSv1.2_2021",
			values: map[string]string{"aws:region": "us-east-1", "gatehouse:compliance": "fedramp-high"},
			want: []string{
				"gatehouse:domain: required: under fedramp-high CloudFront must enforce TLSv1.2_2021, which needs a custom domain and certificate; set gatehouse:domain to the app's host name",
				"gatehouse:certificateArn: required: under fedramp-high CloudFront must enforce TLSv1.2_2021, which needs a custom domain and certificate; set gatehouse:certificateArn to an issued ACM certificate",
				"gatehouse:reservedConcurrency: required under fedramp-high, so one function cannot exhaust the account's concurrency (SC-5): reserve the BFF's budget, e.g. 50, and set gatehouse:lambdaConcurrencyQuota to the account's quota (`aws lambda get-account-settings`)",
			},
		},
		{
			name:   "a reservation without the quota it needs",
			values: map[string]string{"aws:region": "us-east-1", "gatehouse:reservedConcurrency": "50", "gatehouse:sampleTodo": "true"},
			want: []string{
				"gatehouse:lambdaConcurrencyQuota: required with gatehouse:reservedConcurrency: reserving 60 needs an account concurrency quota of at least 160 (https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html); set it to AccountLimit.ConcurrentExecutions from `aws lambda get-account-settings`, after raising the quota if it is lower",
			},
		},
		{
			name:   "a reservation beyond a new account's quota",
			values: map[string]string{"aws:region": "us-east-1", "gatehouse:reservedConcurrency": "50", "gatehouse:lambdaConcurrencyQuota": "10", "gatehouse:cpuArchitecture": "sparc"},
			want: []string{
				"gatehouse:reservedConcurrency: reserving 50 leaves -40 of the account's 10 unreserved; Lambda requires 100 (https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html): reserve less or raise the quota",
				`gatehouse:cpuArchitecture: "sparc" must be arm64 or x86_64`,
			},
		},
		{
			name: "arm64 where Fargate FIPS mode is needed",
			values: map[string]string{
				"aws:region": "us-gov-west-1", "gatehouse:domain": "app.agency.gov", "gatehouse:certificateArn": govCert, "gatehouse:cpuArchitecture": "arm64",
			},
			want: []string{"gatehouse:cpuArchitecture: arm64 cannot run in Fargate's FIPS-140 mode, which fedramp-high needs in aws-us-gov (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-fips-compliance.html): remove the setting or set x86_64"},
		},
		{
			name: "a back-channel listener without mTLS, open to everyone, on 443",
			values: map[string]string{
				"aws:region": "us-gov-west-1", "gatehouse:domain": "app.agency.gov", "gatehouse:certificateArn": govCert,
				"gatehouse:backchannelLogout": `{"cidrs":["0.0.0.0/0"],"port":443}`,
			},
			want: []string{
				`gatehouse:backchannelLogout: is for the regional topology with gatehouse:mtls mode "verify", where the ALB refuses the IdP's connection for want of a client certificate; elsewhere the IdP reaches /auth/backchannel-logout on 443: remove the setting`,
				"gatehouse:backchannelLogout: port 443 must be a TCP port other than 443 and 80",
				`gatehouse:backchannelLogout: cidrs entry "0.0.0.0/0" admits everyone to a listener without mutual TLS; list the IdP's ranges`,
			},
		},
		{
			name: "edge in an opt-in Region, federation the pool cannot hold, a tier without threat protection",
			values: map[string]string{
				"aws:region": "eu-south-1", "gatehouse:advancedSecurity": "ENFORCED", "gatehouse:cognitoFeaturePlan": "ESSENTIALS",
				"gatehouse:federation": `{"type":"SAML","name":"Agency ICAM with a long name","metadataUrl":"https://idp.example.gov/m","attributeMapping":{"custom:edipi":"x"}}`,
			},
			want: []string{
				"aws:region: eu-south-1 is an opt-in Region, where CloudFront delivers no access logs (AU-2); deploy the edge topology in another region or use gatehouse:topology \"regional\"",
				"gatehouse:cognitoFeaturePlan: ESSENTIALS has no threat protection, which gatehouse:advancedSecurity turns on (by default under fedramp-high): use PLUS, or set gatehouse:advancedSecurity to OFF",
				`gatehouse:federation: name "Agency ICAM with a long name" must be 1-32 characters without spaces or a leading underscore (Cognito's provider names)`,
				"gatehouse:federation: attributeMapping maps custom:edipi, which the user pool does not declare; use one of [custom:piv_id]",
			},
		},
		{
			name:   "unknown compliance value",
			values: map[string]string{"aws:region": "us-east-1", "gatehouse:compliance": "fedramp"},
			want:   []string{`gatehouse:compliance: "fedramp" is not a compliance level; use "none" or "fedramp-high"`},
		},
		{
			name:   "idle timeout longer than absolute timeout",
			values: map[string]string{"aws:region": "us-east-1", "gatehouse:sessionIdleTimeout": "2h", "gatehouse:sessionAbsoluteTimeout": "1h"},
			want:   []string{"gatehouse:sessionIdleTimeout: 2h0m0s is longer than gatehouse:sessionAbsoluteTimeout (1h0m0s); the idle timeout must not exceed the absolute timeout"},
		},
		{
			name:   "missing region",
			values: map[string]string{},
			want:   []string{"aws:region: required; set it with `pulumi config set aws:region us-east-1` (or us-gov-west-1 for GovCloud)"},
		},
		{
			name: "fedramp refuses optional MFA, long idle, short logs and a non-FIPS ALB policy",
			values: map[string]string{
				"aws:region": "us-east-2", "gatehouse:compliance": "fedramp-high", "gatehouse:topology": "regional",
				"gatehouse:domain": "a.example.gov", "gatehouse:certificateArn": "arn:aws:acm:us-east-2:1:certificate/x",
				"gatehouse:mfa": "OPTIONAL", "gatehouse:sessionIdleTimeout": "30m", "gatehouse:logRetentionDays": "90",
				"gatehouse:albTlsPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
			},
			want: []string{
				"gatehouse:mfa: must be ON under fedramp-high (IA-2(1), IA-2(2)); remove the setting or set it to ON",
				"gatehouse:sessionIdleTimeout: 30m0s is longer than 15m, the fedramp-high limit for inactivity (AC-11)",
				"gatehouse:logRetentionDays: 90 is too short under fedramp-high; keep at least 365 days (AU-11)",
				`gatehouse:albTlsPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" is not a FIPS policy; under fedramp-high use ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04 or a stricter FIPS policy (SC-13)`,
			},
		},
		{
			name: "certificate from the wrong partition and region",
			values: map[string]string{
				"aws:region": "us-gov-west-1", "gatehouse:domain": "a.agency.gov", "gatehouse:certificateArn": usEast1Cert,
			},
			want: []string{`gatehouse:certificateArn: must be an ACM certificate in us-gov-west-1 of partition aws-us-gov (an ARN starting "arn:aws-us-gov:acm:us-gov-west-1:")`},
		},
		{
			name: "bad routes",
			values: map[string]string{
				"aws:region":       "us-east-1",
				"gatehouse:routes": `[{"name":"Todos","upstream":"http://plain.example","timeout":"45s"},{"name":"x","upstream":"https://x.example","timeout":"soon"}]`,
			},
			want: []string{
				`gatehouse:routes[1].timeout: "soon" is not a positive duration; write it like 10s`,
				`gatehouse:routes[0].name: "Todos" must be lowercase letters, digits or hyphens (it becomes /api/<name>/)`,
				`gatehouse:routes[0].upstream: "http://plain.example" must be an https:// URL (SC-8: the user's token travels to it)`,
				"gatehouse:routes[0].timeout: 45s exceeds API Gateway's 29s limit on the edge topology",
			},
		},
		{
			name: "a plain-text federation secret",
			values: map[string]string{
				"aws:region":                       "us-east-1",
				"gatehouse:federation":             `{"type":"OIDC","name":"Agency","issuer":"https://idp.example.gov","clientId":"c"}`,
				"gatehouse:federationClientSecret": "hunter2",
			},
			want: []string{"gatehouse:federationClientSecret: is stored in plain text; set it with `pulumi config set --secret gatehouse:federationClientSecret`"},
		},
		{
			name:   "a prebuilt SPA directory without the SPA",
			values: map[string]string{"aws:region": "us-east-1", "gatehouse:spaDist": "/nonexistent/dist"},
			want:   []string{"gatehouse:spaDist: /nonexistent/dist holds no index.html: point it at a built SPA (npm run build in frontend/ writes frontend/dist), or remove it to build frontend/"},
		},
		{
			name: "the sample ToDo API is edge-only",
			values: map[string]string{
				"aws:region": "us-east-1", "gatehouse:topology": "regional", "gatehouse:sampleTodo": "true",
				"gatehouse:domain": "app.example.com", "gatehouse:certificateArn": "arn:aws:acm:us-east-1:1:certificate/x",
			},
			want: []string{"gatehouse:sampleTodo: the sample ToDo API runs as a Lambda beside the edge topology; on regional, remove the setting and add your API under gatehouse:routes"},
		},
		{
			name:   "mtls on edge without a bundle",
			values: map[string]string{"aws:region": "us-east-1", "gatehouse:mtls": `{"mode":"verify"}`},
			want: []string{
				`gatehouse:mtls: mode "verify" needs the regional topology: only the ALB verifies client certificates`,
				`gatehouse:mtls: mode "verify" needs caBundleFile, a PEM file of the CAs that issue your PIV/CAC certificates`,
			},
		},
		{
			name:   "unreadable values keep going and report each",
			values: map[string]string{"aws:region": "us-east-1", "gatehouse:wafRateLimit": "lots", "gatehouse:sampleTodo": "yes please", "gatehouse:cognitoDomainPrefix": "my-cognito-app"},
			want: []string{
				`gatehouse:wafRateLimit: "lots" is not a whole number`,
				`gatehouse:sampleTodo: "yes please" is not true or false`,
				`gatehouse:cognitoDomainPrefix: "my-cognito-app" contains "cognito", which Cognito reserves; choose another prefix`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseMap(t, tt.values)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want a ConfigError, got %v", err)
			}
			got := map[string]bool{}
			for _, p := range ce.Problems {
				got[p.Key+": "+p.Message] = true
			}
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("missing problem:\n  %s\nin:\n%v", w, err)
				}
			}
			if len(ce.Problems) != len(tt.want) {
				t.Errorf("want exactly %d problems, got %d:\n%v", len(tt.want), len(ce.Problems), err)
			}
		})
	}
}

// TestStackNames: every AWS name derives from the project and stack names,
// shortened with a hash where needed; only what no derivation can carry is
// refused, and every problem is listed.
func TestStackNames(t *testing.T) {
	values := map[string]string{"aws:region": "us-east-1"}
	get := Source{Get: func(k string) (string, bool) { v, ok := values[k]; return v, ok }}
	for _, stack := range []string{"agency-case-management-prod-east", "team.alpha", "Prod_Blue", strings.Repeat("s", 100)} {
		if _, err := Parse("gatehouse", stack, t.TempDir(), get); err != nil {
			t.Errorf("stack %q: %v", stack, err)
		}
	}
	_, err := Parse("internal-apps", "___", t.TempDir(), get)
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 2 {
		t.Fatalf("want two problems, got %v", err)
	}
	for i, want := range []string{`stack name "___" has no letter or digit`, `project name "internal-apps" begins with "internal-"`} {
		if ce.Problems[i].Key != "pulumi:stack" || !strings.Contains(ce.Problems[i].Message, want) {
			t.Errorf("problem %d: %s: %s, want %q", i, ce.Problems[i].Key, ce.Problems[i].Message, want)
		}
	}
}

// TestPulumiYamlDocumentsTheDefaults keeps Pulumi.yaml and the program in
// step: the CLI injects every declared default into the stack's config, and
// that must configure exactly what the program does when a key is absent.
// Every key also has a default, because the CLI treats a key without one as
// required and refuses to run.
func TestPulumiYamlDocumentsTheDefaults(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var project struct {
		Name   string `yaml:"name"`
		Config map[string]struct {
			Type        string `yaml:"type"`
			Default     any    `yaml:"default"`
			Description string `yaml:"description"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &project); err != nil {
		t.Fatal(err)
	}
	injected := map[string]string{"aws:region": "us-east-1"}
	for k, decl := range project.Config {
		if decl.Default == nil {
			t.Errorf("Pulumi.yaml config %s has no default: the CLI would refuse every stack that omits it", k)
			continue
		}
		if !strings.Contains(decl.Description, "Defaults to") {
			t.Errorf("Pulumi.yaml config %s: the description must say what it defaults to", k)
		}
		switch v := decl.Default.(type) {
		case string:
			injected[project.Name+":"+k] = v
		default:
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			injected[project.Name+":"+k] = string(b)
		}
	}
	withDefaults, err := parseMap(t, injected)
	if err != nil {
		t.Fatalf("the documented defaults do not parse: %v", err)
	}
	bare, err := parseMap(t, map[string]string{"aws:region": "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	withDefaults.Dir, bare.Dir = "", ""
	if !reflect.DeepEqual(withDefaults, bare) {
		t.Errorf("Pulumi.yaml defaults configure\n%+v\nbut the program's own defaults are\n%+v", withDefaults, bare)
	}
	if len(project.Config) < 20 {
		t.Errorf("only %d keys documented; every gatehouse:* key belongs in Pulumi.yaml", len(project.Config))
	}
}
