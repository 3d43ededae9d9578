package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blang/semver"
	"github.com/gatehouse/gatehouse/internal/pulumicli"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// stackComponent stands for the Gatehouse program's own components: the engine here has no AWS
// provider plugin, so the program registers components only, and the stack component's outputs
// say which partition and topology the stack deploys.
type stackComponent struct{ pulumi.ResourceState }

func componentsProgram(partition, topology string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		outputs := pulumi.Map{"topology": pulumi.String(topology)}
		if partition != "" {
			outputs["partition"] = pulumi.String(partition)
		}
		var top stackComponent
		if err := ctx.RegisterComponentResource("gatehouse:stack:Topology", "gatehouse", &top); err != nil {
			return err
		}
		var keys stackComponent
		if err := ctx.RegisterComponentResource("gatehouse:security:Keys", "gatehouse-keys", &keys, pulumi.Parent(&top)); err != nil {
			return err
		}
		if err := ctx.RegisterResourceOutputs(&keys, pulumi.Map{}); err != nil {
			return err
		}
		return ctx.RegisterResourceOutputs(&top, outputs)
	}
}

// TestEnginePreviewEnforcesThePack runs `pulumi preview --policy-pack <binary>` through the real
// CLI (Automation API, inline program, file:// backend): GovCloud comes from the stack's region,
// the stack component's outputs, or policy config.
func TestEnginePreviewEnforcesThePack(t *testing.T) {
	cli := pulumicli.PathT(t)
	pack := buildPack(t)
	command, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{
		Root: pulumicli.Root(cli), Version: semver.MustParse(strings.TrimPrefix(pulumicli.Version, "v")),
	})
	if err != nil {
		t.Fatal(err)
	}
	policyConfig := filepath.Join(t.TempDir(), "policy-config.json")
	if err := os.WriteFile(policyConfig, []byte(`{"kms-key-rotation": {"partition": "aws-us-gov"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		region    string
		partition string // what the stack component declares
		topology  string
		config    []string
		refused   bool
	}{
		{"edge topology in aws-us-gov is refused", "us-gov-west-1", "aws-us-gov", "edge", nil, true},
		{"regional topology in aws-us-gov passes", "us-gov-west-1", "aws-us-gov", "regional", nil, false},
		{"edge topology in aws passes", "us-east-1", "", "edge", nil, false},
		{"policy config naming aws-us-gov refuses edge", "us-east-1", "", "edge", []string{policyConfig}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			dir := t.TempDir()
			state := filepath.Join(dir, "state")
			if err := os.MkdirAll(state, 0o700); err != nil {
				t.Fatal(err)
			}
			stack, err := auto.UpsertStackInlineSource(ctx, "govcloud", "gatehouse", componentsProgram(c.partition, c.topology),
				auto.Pulumi(command),
				auto.WorkDir(dir),
				auto.Project(workspace.Project{
					Name:    "gatehouse",
					Runtime: workspace.NewProjectRuntimeInfo("go", nil),
					Backend: &workspace.ProjectBackend{URL: "file://" + state},
				}),
				auto.EnvVars(map[string]string{
					"PULUMI_CONFIG_PASSPHRASE": "engine-test-passphrase",
					"PULUMI_HOME":              filepath.Join(dir, "home"),
					"PULUMI_SKIP_UPDATE_CHECK": "true",
				}),
			)
			if err != nil {
				t.Fatalf("create the stack: %v", err)
			}
			if err := stack.SetConfig(ctx, "aws:region", auto.ConfigValue{Value: c.region}); err != nil {
				t.Fatal(err)
			}
			result, err := stack.Preview(ctx, optpreview.PolicyPacks(pack), optpreview.PolicyPackConfigs(c.config...))
			output := result.StdOut
			if err != nil {
				output += err.Error()
			}
			switch {
			case c.refused && err == nil:
				t.Fatalf("the preview passed; want it refused by govcloud-no-cloudfront\n%s", output)
			case c.refused && !strings.Contains(output, "[mandatory]  govcloud-no-cloudfront"):
				t.Fatalf("the preview failed without naming govcloud-no-cloudfront:\n%s", output)
			case !c.refused && err != nil:
				t.Fatalf("the preview failed: %v", err)
			case !c.refused && strings.Contains(output, "govcloud-no-cloudfront"):
				t.Fatalf("govcloud-no-cloudfront fired:\n%s", output)
			}
		})
	}
}
