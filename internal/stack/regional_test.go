package stack

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	bffconfig "github.com/gatehouse/gatehouse/bff/config"
	"github.com/gatehouse/gatehouse/components"
	"github.com/gatehouse/gatehouse/internal/offline"
)

// regionalContainer decodes the task definition's one container.
func regionalContainer(t *testing.T, m *offline.Mocks) (map[string]any, map[string]string, map[string]string) {
	t.Helper()
	td := only(t, m, "aws:ecs/taskDefinition:TaskDefinition")
	var defs []map[string]any
	if err := json.Unmarshal([]byte(offline.GetString(td.Inputs, "containerDefinitions")), &defs); err != nil || len(defs) != 1 {
		t.Fatalf("container definitions %v: %v", defs, err)
	}
	env, secrets := map[string]string{}, map[string]string{}
	for _, kv := range defs[0]["environment"].([]any) {
		e := kv.(map[string]any)
		env[e["name"].(string)] = e["value"].(string)
	}
	for _, kv := range defs[0]["secrets"].([]any) {
		e := kv.(map[string]any)
		secrets[e["name"].(string)] = e["valueFrom"].(string)
	}
	return defs[0], env, secrets
}

func listener(t *testing.T, m *offline.Mocks, port float64) offline.Resource {
	t.Helper()
	for _, r := range m.ByType("aws:lb/listener:Listener") {
		if v, ok := offline.Get(r.Inputs, "port"); ok && v.IsNumber() && v.NumberValue() == port {
			return r
		}
	}
	t.Fatalf("no listener on %v", port)
	return offline.Resource{}
}

// TestShippedStacksRegional runs Pulumi.govcloud.yaml, and Pulumi.fedramp.yaml
// switched to the regional topology, under mocks and checks the regional
// topology's acceptance properties.
func TestShippedStacksRegional(t *testing.T) {
	tests := []struct {
		name, stack string
		overrides   map[string]string
		partition   string
		mtls        bool
		// arch is the task's CPU architecture: X86_64 where Fargate FIPS mode
		// is needed (fedramp-high in GovCloud), ARM64 elsewhere.
		arch string
	}{
		{name: "govcloud", stack: "govcloud", partition: "aws-us-gov", mtls: true, arch: "X86_64"},
		{name: "govcloud without mTLS", stack: "govcloud", overrides: map[string]string{"gatehouse:mtls": `{"mode":"off"}`}, partition: "aws-us-gov", arch: "X86_64"},
		{name: "fedramp regional", stack: "fedramp", overrides: map[string]string{"gatehouse:topology": "regional"}, partition: "aws", arch: "ARM64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := runStack(t, tc.stack, tc.overrides)

			for _, typ := range m.Types() {
				if strings.HasPrefix(typ, "aws:cloudfront") || strings.HasPrefix(typ, "aws:lambda") || strings.HasPrefix(typ, "aws:apigatewayv2") {
					t.Errorf("%s in a regional stack", typ)
				}
			}
			for _, arn := range allArns(m) {
				if !strings.HasPrefix(arn, "arn:"+tc.partition+":") {
					t.Errorf("ARN %q outside partition %s", arn, tc.partition)
				}
			}

			https, http := listener(t, m, 443).Inputs, listener(t, m, 80).Inputs
			alb := only(t, m, "aws:lb/loadBalancer:LoadBalancer")
			waf := only(t, m, "aws:wafv2/webAclAssociation:WebAclAssociation").Inputs
			svc := only(t, m, "aws:ecs/service:Service").Inputs
			td := only(t, m, "aws:ecs/taskDefinition:TaskDefinition").Inputs
			repoURL := offline.GetString(only(t, m, "aws:ecr/repository:Repository").Outputs, "repositoryUrl")
			c, env, secrets := regionalContainer(t, m)
			image, _ := c["image"].(string)
			count, _ := offline.Get(svc, "desiredCount")

			checks := []struct {
				name string
				ok   bool
			}{
				{"443 uses a FIPS TLS policy", strings.Contains(offline.GetString(https, "sslPolicy"), "-FIPS-") && offline.GetString(https, "protocol") == "HTTPS"},
				{"443 has the configured certificate", strings.HasPrefix(offline.GetString(https, "certificateArn"), "arn:"+tc.partition+":acm:")},
				{"80 redirects to HTTPS", offline.GetString(http, "defaultActions[0].type") == "redirect" && offline.GetString(http, "defaultActions[0].redirect.protocol") == "HTTPS"},
				{"mTLS verify with a trust store iff configured", tc.mtls == (offline.GetString(https, "mutualAuthentication.mode") == "verify" &&
					offline.GetString(https, "mutualAuthentication.trustStoreArn") != "" && len(m.ByType("aws:lb/trustStore:TrustStore")) == 1)},
				{"the BFF is told the mTLS mode", (env["GATEHOUSE_MTLS"] == "verify") == tc.mtls},
				{"WAF associated with the ALB", offline.GetString(waf, "resourceArn") == offline.GetString(alb.Outputs, "arn") &&
					offline.GetString(waf, "webAclArn") == offline.GetString(only(t, m, "aws:wafv2/webAcl:WebAcl").Outputs, "arn")},
				{"ALB hardening", offline.GetBool(alb.Inputs, "dropInvalidHeaderFields") && offline.GetString(alb.Inputs, "desyncMitigationMode") == "strictest" &&
					offline.GetBool(alb.Inputs, "enableDeletionProtection") && offline.GetBool(alb.Inputs, "accessLogs.enabled")},
				{"read-only root filesystem", c["readonlyRootFilesystem"] == true},
				{"non-root user", c["user"] == "65532:65532"},
				{"CPU architecture " + tc.arch, offline.GetString(td, "runtimePlatform.cpuArchitecture") == tc.arch},
				{"the image is pulled from the repository's own host, which the ecr.dkr endpoint serves", strings.HasPrefix(image, repoURL+"@") &&
					!strings.Contains(image, "ecr-fips") && hasEndpoint(m, "ecr.dkr")},
				{"tasks can read ECR's layer bucket through the S3 gateway", layerBucketAllowed(m, tc.partition)},
				{"signing keys from Cognito's FIPS host", strings.HasPrefix(env["GATEHOUSE_OIDC_JWKS_URL"], "https://cognito-idp-fips.") &&
					strings.HasPrefix(env["GATEHOUSE_OIDC_ISSUER"], "https://cognito-idp.")},
				{"no public IP", !offline.GetBool(svc, "networkConfiguration.assignPublicIp")},
				{"at least 2 tasks", count.IsNumber() && count.NumberValue() >= 2},
				{"circuit breaker with rollback", offline.GetBool(svc, "deploymentCircuitBreaker.rollback")},
				{"image by digest in the stack's repository", regexp.MustCompile(`^` + regexp.QuoteMeta(repoURL) + `@sha256:[0-9a-f]{64}$`).MatchString(image)},
				{"client secret from Secrets Manager only", strings.Contains(secrets["GATEHOUSE_OIDC_CLIENT_SECRET"], ":secretsmanager:") && env["GATEHOUSE_OIDC_CLIENT_SECRET"] == ""},
				{"OIDC wiring", strings.HasPrefix(env["GATEHOUSE_OIDC_ISSUER"], "https://cognito-idp.") && env["GATEHOUSE_OIDC_CLIENT_ID"] != "" &&
					strings.Contains(env["GATEHOUSE_COGNITO_DOMAIN"], ".auth-fips.")},
				{"session store wiring", env["GATEHOUSE_SESSION_STORE"] == "dynamodb" && env["GATEHOUSE_SESSION_TABLE"] != "" && env["GATEHOUSE_DATA_KEY_CIPHERTEXT"] != ""},
				{"FIPS endpoints for the BFF", env["AWS_USE_FIPS_ENDPOINT"] == "true"},
				{"FIPS endpoints for the program", fipsProvider(m)},
				{"public URL is the domain", strings.HasPrefix(env["GATEHOUSE_PUBLIC_URL"], "https://") && !strings.Contains(env["GATEHOUSE_PUBLIC_URL"], "elb.")},
				{"routes passed to the BFF", strings.Contains(env["GATEHOUSE_ROUTES"], `"upstream":"https://`)},
				{"session timeouts passed to the BFF", env["GATEHOUSE_SESSION_IDLE_TIMEOUT"] == (15 * time.Minute).String()},
				{"a NAT gateway per AZ under fedramp-high", offline.GetString(only(t, m, "awsx:ec2:Vpc").Inputs, "natGateways.strategy") == "OnePerAz"},
			}
			for _, c := range checks {
				if !c.ok {
					t.Errorf("%s: not so", c.name)
				}
			}
		})
	}
}

func hasEndpoint(m *offline.Mocks, service string) bool {
	for _, e := range m.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		if strings.HasSuffix(offline.GetString(e.Inputs, "serviceName"), "."+service) && offline.GetBool(e.Inputs, "privateDnsEnabled") {
			return true
		}
	}
	return false
}

// layerBucketAllowed: the S3 gateway endpoint's policy lets anyone read the
// AWS-owned bucket ECR serves this region's image layers from.
func layerBucketAllowed(m *offline.Mocks, partition string) bool {
	for _, e := range m.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		service := offline.GetString(e.Inputs, "serviceName")
		if !strings.HasSuffix(service, ".s3") {
			continue
		}
		region := strings.TrimSuffix(strings.TrimPrefix(service, "com.amazonaws."), ".s3")
		return strings.Contains(offline.GetString(e.Inputs, "policy"),
			`"Resource":["arn:`+partition+`:s3:::prod-`+region+`-starport-layer-bucket/*"]`)
	}
	return false
}

// TestRegionalImageDigestIsStable runs the stack twice: the same checkout
// must pin the same image, or every `pulumi up` would roll the service.
func TestRegionalImageDigestIsStable(t *testing.T) {
	var images []string
	for range 2 {
		c, _, _ := regionalContainer(t, runStack(t, "govcloud", nil))
		images = append(images, c["image"].(string))
	}
	if images[0] != images[1] {
		t.Fatalf("image changed between runs: %s vs %s", images[0], images[1])
	}
}

func TestRegionalRoutesAndEgress(t *testing.T) {
	tests := []struct {
		name   string
		routes []Route
		env    string
		ports  []int
	}{
		{name: "none", env: `[]`, ports: []int{443}},
		{
			name:   "default port",
			routes: []Route{{Name: "cases", Upstream: "https://cases.example.gov", Groups: []string{"staff"}, Timeout: 20 * time.Second, MaxBodyBytes: 1024}},
			env:    `[{"name":"cases","upstream":"https://cases.example.gov","groups":["staff"],"timeout":"20s","maxBodyBytes":1024}]`,
			ports:  []int{443},
		},
		{
			name:   "explicit ports",
			routes: []Route{{Name: "a", Upstream: "https://a.example.gov:8443"}, {Name: "b", Upstream: "https://b.example.gov:8443/x"}},
			ports:  []int{443, 8443},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := renderedRoutes(t, tc.routes)
			if tc.env != "" && env != tc.env {
				t.Errorf("routes env %s, want %s", env, tc.env)
			}
			if got := egressPorts(tc.routes); !equalInts(got, tc.ports) {
				t.Errorf("egress ports %v, want %v", got, tc.ports)
			}
		})
	}
}

// renderedRoutes is GATEHOUSE_ROUTES as the stack gives it to the BFF.
func renderedRoutes(t *testing.T, routes []Route) string {
	t.Helper()
	var env string
	err := offline.Run("gatehouse", "test", map[string]string{"aws:region": "us-gov-west-1"}, offline.ForRegion("us-gov-west-1"),
		func(ctx *pulumi.Context) error {
			// Exporting makes the run wait for the apply.
			ctx.Export("routes", components.RoutesJSON(apiRoutes(routes)).ApplyT(func(s string) string { env = s; return s }))
			return nil
		}, offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fipsProvider is true when every explicit AWS provider uses FIPS endpoints.
func fipsProvider(m *offline.Mocks) bool {
	providers := m.ByType("pulumi:providers:aws")
	for _, p := range providers {
		if v, ok := offline.Get(p.Inputs, "useFipsEndpoint"); !ok || !(v.IsBool() && v.BoolValue() || v.IsString() && v.StringValue() == "true") {
			return false
		}
	}
	return len(providers) > 0
}

// TestRegionalTaskEnvironmentIsAcceptedByTheBFF feeds the environment the
// task definition declares (plus what ECS injects from Secrets Manager) to
// the BFF's own configuration loader, so the two sides of the contract cannot
// drift apart.
func TestRegionalTaskEnvironmentIsAcceptedByTheBFF(t *testing.T) {
	tests := []struct {
		name, stack string
		overrides   map[string]string
		mtls        bffconfig.MTLSMode
	}{
		{name: "govcloud", stack: "govcloud", mtls: bffconfig.MTLSVerify},
		{name: "fedramp regional", stack: "fedramp", overrides: map[string]string{"gatehouse:topology": "regional"}, mtls: bffconfig.MTLSOff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, env, secrets := regionalContainer(t, runStack(t, tc.stack, tc.overrides))
			for name := range secrets {
				env[name] = "value-injected-by-ecs"
			}
			// The mock's ciphertext is a placeholder; KMS returns base64.
			env["GATEHOUSE_DATA_KEY_CIPHERTEXT"] = base64.StdEncoding.EncodeToString([]byte("kms ciphertext blob"))
			cfg, err := bffconfig.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatalf("the BFF refuses the task environment:\n%v", err)
			}
			if cfg.Mode != bffconfig.ModeRegional || cfg.MTLS != tc.mtls || cfg.SPADir != "/srv/spa" || len(cfg.Routes) != 1 {
				t.Errorf("mode %s, mTLS %s, SPA dir %q, %d routes", cfg.Mode, cfg.MTLS, cfg.SPADir, len(cfg.Routes))
			}
		})
	}
}

// TestDevStackRegional runs Pulumi.dev.yaml switched to the regional
// topology: without fedramp-high the stack shares one NAT gateway and uses the
// standard AWS endpoints.
func TestDevStackRegional(t *testing.T) {
	m := runStack(t, "dev", map[string]string{
		"gatehouse:sampleTodo":     "false", // the sample API is a Lambda; the regional topology refuses it
		"gatehouse:topology":       "regional",
		"gatehouse:domain":         "app.dev.example.com",
		"gatehouse:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000009",
	})
	_, env, _ := regionalContainer(t, m)
	var endpoints []string
	for _, r := range m.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		endpoints = append(endpoints, offline.GetString(r.Inputs, "serviceName"))
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"one shared NAT gateway", offline.GetString(only(t, m, "awsx:ec2:Vpc").Inputs, "natGateways.strategy") == "Single"},
		{"standard endpoints for the BFF", env["AWS_USE_FIPS_ENDPOINT"] == "false"},
		{"no kms-fips endpoint", !strings.Contains(strings.Join(endpoints, " "), "kms-fips")},
		{"still a FIPS TLS policy on 443", strings.Contains(offline.GetString(listener(t, m, 443).Inputs, "sslPolicy"), "-FIPS-")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: not so", c.name)
		}
	}
}

// providerSpy records the providers map each remote component is given;
// offline.Resource keeps only the single provider of custom resources.
type providerSpy struct {
	*offline.Mocks
	mu        sync.Mutex
	providers map[string]map[string]string // resource name → package → provider ref
}

func (s *providerSpy) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if rpc := args.RegisterRPC; rpc != nil && rpc.GetRemote() {
		s.mu.Lock()
		s.providers[args.Name] = rpc.GetProviders()
		s.mu.Unlock()
	}
	return s.Mocks.NewResource(args)
}

// TestRegionalVpcUsesTheStackProvider: the awsx VPC is a multi-language
// component, which does not inherit providers from its parents; without the
// stack's provider its subnets, route tables and NAT gateways would be created
// through the default provider, without FIPS endpoints or default tags.
func TestRegionalVpcUsesTheStackProvider(t *testing.T) {
	root, err := offline.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	config, err := offline.LoadStackConfig(filepath.Join(root, "Pulumi.govcloud.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	spy := &providerSpy{Mocks: offline.ForRegion(config["aws:region"]), providers: map[string]map[string]string{}}
	err = pulumi.RunErr(Deploy, pulumi.WithMocks("gatehouse", "govcloud", spy), func(info *pulumi.RunInfo) {
		info.Config, info.DryRun, info.RootDirectory = config, true, root
	})
	if err != nil {
		t.Fatal(err)
	}
	vpcs := spy.ByType("awsx:ec2:Vpc")
	if len(vpcs) != 1 {
		t.Fatalf("%d awsx VPCs", len(vpcs))
	}
	ref := spy.providers[vpcs[0].Name]["aws"]
	if !strings.Contains(ref, "pulumi:providers:aws::gatehouse-govcloud") {
		t.Fatalf("the awsx VPC gets aws provider %q, not the stack's", ref)
	}
}

// TestGovCloudBackchannelLogout: with mTLS verify, the IdP's back-channel
// logout call needs its own listener; configured, the stack opens it to the
// IdP's ranges only and the 443 listener keeps verifying certificates.
func TestGovCloudBackchannelLogout(t *testing.T) {
	m := runStack(t, "govcloud", map[string]string{"gatehouse:backchannelLogout": `{"cidrs":["198.51.100.0/24"]}`})
	backchannel := listener(t, m, 8443).Inputs
	rule := only(t, m, "aws:lb/listenerRule:ListenerRule").Inputs
	if offline.GetString(backchannel, "mutualAuthentication.mode") != "" || offline.GetString(backchannel, "defaultActions[0].type") != "fixed-response" ||
		offline.GetString(rule, "conditions[0].pathPattern.values[0]") != components.BackchannelLogoutPath ||
		offline.GetString(listener(t, m, 443).Inputs, "mutualAuthentication.mode") != "verify" {
		t.Errorf("back-channel listener %v, rule %v", backchannel, rule)
	}
}
