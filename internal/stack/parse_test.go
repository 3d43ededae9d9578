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
