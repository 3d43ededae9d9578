package main

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// buildPack compiles the policy pack binary, the way `pulumi preview --policy-pack` expects it.
func buildPack(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gatehouse-policy")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build the policy pack: %v\n%s", err, out)
	}
	return bin
}

// startAnalyzer launches the pack as the engine does (the engine address as its argument; the pack
// prints the port it serves on) and returns a client of the Analyzer gRPC service.
func startAnalyzer(t *testing.T, bin string) pulumirpc.AnalyzerClient {
	t.Helper()
	cmd := exec.Command(bin, "127.0.0.1:1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the policy pack: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	port, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the policy pack printed no port: %v", err)
	}
	conn, err := grpc.NewClient("127.0.0.1:"+strings.TrimSpace(port), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return pulumirpc.NewAnalyzerClient(conn)
}

// configure performs the engine's start-up calls for a stack with the given config, then
// applies the policies' default enforcement levels as policy config.
func configure(t *testing.T, ctx context.Context, client pulumirpc.AnalyzerClient, config map[string]string) *pulumirpc.AnalyzerInfo {
	t.Helper()
	dir := filepath.Dir(".")
	if _, err := client.Handshake(ctx, &pulumirpc.AnalyzerHandshakeRequest{EngineAddress: "127.0.0.1:1", RootDirectory: &dir, ProgramDirectory: &dir}); err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	if _, err := client.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{Stack: "govcloud", Project: "gatehouse", Config: config, DryRun: true}); err != nil {
		t.Fatalf("ConfigureStack: %v", err)
	}
	info, err := client.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatalf("GetAnalyzerInfo: %v", err)
	}
	policyConfig := map[string]*pulumirpc.PolicyConfig{}
	for _, p := range info.GetPolicies() {
		policyConfig[p.GetName()] = &pulumirpc.PolicyConfig{EnforcementLevel: p.GetEnforcementLevel(), Properties: &structpb.Struct{}}
	}
	if _, err := client.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: policyConfig}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return info
}

func marshal(t *testing.T, props resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := plugin.MarshalProperties(props, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipInternalKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func provider(t *testing.T, region string) *pulumirpc.AnalyzerProviderResource {
	return &pulumirpc.AnalyzerProviderResource{
		Type: "pulumi:providers:aws", Name: "default", Urn: "urn:pulumi:govcloud::gatehouse::pulumi:providers:aws::default",
		Properties: marshal(t, resource.PropertyMap{"region": resource.NewStringProperty(region)}),
	}
}

func policyNames(ds []*pulumirpc.AnalyzeDiagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.GetPolicyName())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestAnalyzerProtocol(t *testing.T) {
	const region = "us-gov-west-1"
	client := startAnalyzer(t, buildPack(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	info := configure(t, ctx, client, map[string]string{"aws:region": region, "gatehouse:compliance": "fedramp-high"})
	if info.GetName() != rules.PackName || len(info.GetPolicies()) != len(rules.Catalog()) {
		t.Fatalf("GetAnalyzerInfo: pack %q with %d policies, want %q with %d", info.GetName(), len(info.GetPolicies()), rules.PackName, len(rules.Catalog()))
	}
	for _, p := range info.GetPolicies() {
		if p.GetEnforcementLevel() != pulumirpc.EnforcementLevel_MANDATORY {
			t.Errorf("%s is %v in a GovCloud stack, want MANDATORY", p.GetName(), p.GetEnforcementLevel())
		}
	}

	resources := mockRun(t, region, logsProgram(true, true))
	t.Run("Analyze", func(t *testing.T) {
		for _, c := range []struct {
			name string
			want []string
		}{
			{"app", nil},
			{"plain", []string{"log-group-cmk", "log-group-retention"}},
			{"logs", nil},
		} {
			i := slices.IndexFunc(resources, func(r registered) bool { return r.name == c.name })
			r := resources[i]
			resp, err := client.Analyze(ctx, &pulumirpc.AnalyzeRequest{
				Type: r.typ, Urn: r.urn, Name: r.name, Properties: marshal(t, r.inputs), Provider: provider(t, region),
			})
			if err != nil {
				t.Fatalf("Analyze(%s): %v", c.name, err)
			}
			if got := policyNames(resp.GetDiagnostics()); !slices.Equal(got, c.want) {
				t.Errorf("Analyze(%s) = %v, want %v", c.name, got, c.want)
			}
			for _, d := range resp.GetDiagnostics() {
				if d.GetEnforcementLevel() != pulumirpc.EnforcementLevel_MANDATORY || d.GetUrn() != r.urn || !strings.Contains(d.GetMessage(), "AU-") {
					t.Errorf("diagnostic %v: want a mandatory violation on %s naming its NIST controls", d, r.urn)
				}
			}
		}
	})

	t.Run("AnalyzeStack", func(t *testing.T) {
		for _, c := range []struct {
			name      string
			resources []registered
			want      bool
		}{
			{"regional", mockRun(t, region, logsProgram(false, false)), false},
			{"edge in GovCloud", resources, true},
		} {
			var req pulumirpc.AnalyzeStackRequest
			for _, r := range c.resources {
				deps := map[string]*pulumirpc.AnalyzerPropertyDependencies{}
				for k, urns := range r.propertyDependencies {
					deps[k] = &pulumirpc.AnalyzerPropertyDependencies{Urns: urns}
				}
				req.Resources = append(req.Resources, &pulumirpc.AnalyzerResource{
					Type: r.typ, Urn: r.urn, Name: r.name, Properties: marshal(t, r.inputs), Parent: r.parent,
					Dependencies: r.dependencies, PropertyDependencies: deps, Provider: provider(t, region),
				})
			}
			resp, err := client.AnalyzeStack(ctx, &req)
			if err != nil {
				t.Fatalf("AnalyzeStack(%s): %v", c.name, err)
			}
			got := policyNames(resp.GetDiagnostics())
			if refused := slices.Contains(got, "govcloud-no-cloudfront"); refused != c.want {
				t.Errorf("AnalyzeStack(%s): govcloud-no-cloudfront fired = %v, want %v (all: %v)", c.name, refused, c.want, got)
			}
		}
	})
}
