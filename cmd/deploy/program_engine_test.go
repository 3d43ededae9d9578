package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/policy/rules"
	"gopkg.in/yaml.v3"
)

// TestGatehouseProgramRunsInline runs the real Gatehouse program (internal/stack.Deploy) inline
// through the real engine, under the project's own name. No AWS provider plugin can be had here,
// so the stack file is one the program must refuse before it creates anything: the run proves the
// wiring (project, stack file, inline program, error reporting) without AWS. The AWS resources
// themselves are covered by the mock tests. The project's config schema is left out so that the
// program's own validation, not the CLI's, is what answers.
func TestGatehouseProgramRunsInline(t *testing.T) {
	e := newEngineEnv(t)
	project := filepath.Join(t.TempDir(), "gatehouse")
	if err := os.MkdirAll(project, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(project, "Pulumi.yaml"), projectWithoutConfigSchema(t, filepath.Join("..", "..", "Pulumi.yaml")))
	writeFile(t, filepath.Join(project, "Pulumi.edgegov.yaml"),
		"config:\n  aws:region: us-gov-west-1\n  gatehouse:topology: edge\n")
	e.project = project

	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"preview", "--stack", "edgegov", "--dir", project, "--pulumi", e.cli,
		"--skip-policy", "--json"}, &stdout, &stderr, gatehouseProgram)
	if code != exitFailed {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFailed, stdout.String(), stderr.String())
	}
	for _, want := range []string{`"result": "failed"`, "gatehouse:topology", "CloudFront"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("JSON summary lacks %q:\n%s\nstderr:\n%s", want, stdout.String(), stderr.String())
		}
	}
}

// projectWithoutConfigSchema is the project file with its config declarations removed.
func projectWithoutConfigSchema(t *testing.T, path string) string {
	t.Helper()
	var project map[string]any
	if err := yaml.Unmarshal([]byte(readFile(t, path)), &project); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	delete(project, "config")
	out, err := yaml.Marshal(project)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
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
