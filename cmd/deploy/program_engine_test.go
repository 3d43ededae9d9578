package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/policy/rules"
)

// TestGatehouseProgramRunsInline runs the real Gatehouse program (internal/stack.Deploy) inline
// through the real engine, with the project's own Pulumi.yaml (config schema included) and
// stack files. No AWS provider plugin can be had here, so no run can create anything; what the
// test proves is the wiring: the CLI accepts the project's config schema and every shipped stack
// file, and the program's own validation reports a bad stack before it creates anything. The AWS
// resources themselves are covered by the mock tests.
func TestGatehouseProgramRunsInline(t *testing.T) {
	const noAwsPlugin = "no resource plugin 'pulumi-resource-aws' found"
	e := newEngineEnv(t)
	project := filepath.Join(t.TempDir(), "gatehouse")
	if err := os.MkdirAll(project, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.fedramp.yaml", "Pulumi.govcloud.yaml", "components/testdata/piv-ca-bundle.pem"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(project, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(project, f), readFile(t, filepath.Join("..", "..", f)))
	}
	writeFile(t, filepath.Join(project, "Pulumi.edgegov.yaml"),
		"config:\n  aws:region: us-gov-west-1\n  gatehouse:topology: edge\n")
	e.project = project

	tests := []struct {
		stack string
		want  []string // in the JSON summary
	}{
		// The program refuses the stack itself, listing the problem and its fix.
		{stack: "edgegov", want: []string{`"result": "failed"`, "gatehouse:topology", "CloudFront"}},
		// The CLI accepts the schema and the stack file; the run then stops only for want of
		// the AWS provider plugin.
		{stack: "dev", want: []string{`"result": "failed"`, noAwsPlugin}},
		{stack: "fedramp", want: []string{`"result": "failed"`, noAwsPlugin}},
		{stack: "govcloud", want: []string{`"result": "failed"`, noAwsPlugin}},
	}
	for _, tt := range tests {
		t.Run(tt.stack, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(t.Context(), []string{"preview", "--stack", tt.stack, "--dir", project, "--pulumi", e.cli,
				"--skip-policy", "--json"}, &stdout, &stderr, gatehouseProgram)
			if code != exitFailed {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailed, stdout.String(), stderr.String())
			}
			out := stdout.String() + stderr.String()
			for _, refused := range []string{"missing configuration values", "validating stack config", "configuration problem"} {
				if tt.stack != "edgegov" && strings.Contains(out, refused) {
					t.Fatalf("the shipped stack %s was refused for its configuration:\n%s", tt.stack, out)
				}
			}
			for _, want := range tt.want {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("JSON summary lacks %q:\n%s\nstderr:\n%s", want, stdout.String(), stderr.String())
				}
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestShippedPolicyPackThroughTheTool runs a preview with the project's own policy pack, built
// from its directory the way the default --policy-pack policy is, and checks the engine loaded it.
func TestShippedPolicyPackThroughTheTool(t *testing.T) {
	e := newEngineEnv(t)
	pack, err := filepath.Abs(filepath.Join("..", "..", "policy"))
	if err != nil {
		t.Fatal(err)
	}
	e.pack = pack
	e.pulumi(t, "stack", "init", "dev")
	code, s, stderr := e.deploy(t, "preview", "--stack", "dev")
	if code != exitOK {
		t.Fatalf("exit code %d, want 0\nsummary: %+v\nstderr:\n%s", code, s, stderr)
	}
	if s.Policy.Packs[rules.PackName] == "" || s.Policy.Mandatory != 0 {
		t.Fatalf("policy %+v, want the shipped pack loaded with no mandatory violation", s.Policy)
	}
}
