package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/policy/review"
	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// TestAnalyzerProtocolShippedStacks sends every resource the real program registers for each
// shipped stack (under mocks) to the pack over gRPC, as `pulumi preview --policy-pack` would: no
// mandatory diagnostic may come back.
func TestAnalyzerProtocolShippedStacks(t *testing.T) {
	root, err := offline.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := buildPack(t)
	for _, stack := range []string{"dev", "fedramp", "govcloud"} {
		t.Run(stack, func(t *testing.T) {
			config, resources, err := review.Load(root, stack)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			client := startAnalyzer(t, bin)
			configure(t, ctx, client, config)

			var diagnostics []*pulumirpc.AnalyzeDiagnostic
			var stackReq pulumirpc.AnalyzeStackRequest
			for _, r := range resources {
				props := marshal(t, resource.ToResourcePropertyMap(r.Properties))
				provider := provider(t, r.Provider.Properties.Get("region").AsString())
				resp, err := client.Analyze(ctx, &pulumirpc.AnalyzeRequest{Type: r.Type, Urn: r.URN, Name: r.Name, Properties: props, Provider: provider})
				if err != nil {
					t.Fatalf("Analyze(%s): %v", r.URN, err)
				}
				diagnostics = append(diagnostics, resp.GetDiagnostics()...)
				stackReq.Resources = append(stackReq.Resources, &pulumirpc.AnalyzerResource{
					Type: r.Type, Urn: r.URN, Name: r.Name, Properties: props, Parent: r.Parent, Provider: provider,
					Dependencies: r.Dependencies,
				})
			}
			resp, err := client.AnalyzeStack(ctx, &stackReq)
			if err != nil {
				t.Fatalf("AnalyzeStack: %v", err)
			}
			diagnostics = append(diagnostics, resp.GetDiagnostics()...)
			for _, d := range diagnostics {
				if d.GetEnforcementLevel() == pulumirpc.EnforcementLevel_MANDATORY {
					t.Errorf("%s on %s: %s", d.GetPolicyName(), d.GetUrn(), d.GetMessage())
				}
			}

			// The same pipeline catches a real resource gone wrong: a stack key without rotation.
			i := slices.IndexFunc(resources, func(r rules.Resource) bool { return r.Type == "aws:kms/key:Key" })
			if i < 0 {
				t.Fatalf("stack %s registered no KMS key", stack)
			}
			key := resources[i]
			props := resource.ToResourcePropertyMap(key.Properties)
			props["enableKeyRotation"] = resource.NewBoolProperty(false)
			mutated, err := client.Analyze(ctx, &pulumirpc.AnalyzeRequest{Type: key.Type, Urn: key.URN, Name: key.Name,
				Properties: marshal(t, props), Provider: provider(t, config["aws:region"])})
			if err != nil {
				t.Fatal(err)
			}
			if got := policyNames(mutated.GetDiagnostics()); !slices.Contains(got, "kms-key-rotation") {
				t.Errorf("a key without rotation drew %v; want kms-key-rotation", got)
			}
		})
	}
}
