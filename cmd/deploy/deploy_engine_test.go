package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gobuild"
	"github.com/gatehouse/gatehouse/internal/pulumicli"
)

// engineEnv is a throwaway Pulumi environment: a file backend and a PULUMI_HOME in temp dirs,
// the passphrase secrets provider, and a copy of the test project.
type engineEnv struct {
	cli, project string
	// pack is what --policy-pack gets: the test pack's directory, or the binary built from it.
	pack, packDir, packBinary string
}

func newEngineEnv(t *testing.T) *engineEnv {
	t.Helper()
	cli := pulumicli.PathT(t)
	root := t.TempDir()
	project := filepath.Join(root, "project")
	copyDir(t, filepath.Join("testdata", "project"), project)
	pack, err := filepath.Abs(filepath.Join("testdata", "policypack"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PULUMI_HOME", filepath.Join(root, "home"))
	t.Setenv("PULUMI_BACKEND_URL", "file://"+filepath.ToSlash(filepath.Join(root, "backend")))
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "deploy-test-passphrase")
	t.Setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
	t.Setenv("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
	t.Setenv("PULUMI_ACCESS_TOKEN", "")
	if err := os.MkdirAll(filepath.Join(root, "backend"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Most steps take the prebuilt pack binary, as a user's CI may; the directory form, which the
	// tool compiles itself, is exercised by the first step and by TestMarkdownSummaryFile.
	binary := filepath.Join(root, "pack", "policy-pack")
	if err := gobuild.Binary(t.Context(), gobuild.Options{Dir: pack, Package: ".", Out: binary}); err != nil {
		t.Fatalf("build the test policy pack: %v", err)
	}
	return &engineEnv{cli: cli, project: project, pack: pack, packDir: pack, packBinary: binary}
}

// pulumi runs the CLI directly, for the setup and checks a user would do by hand.
func (e *engineEnv) pulumi(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(e.cli, append(args, "--non-interactive")...)
	cmd.Dir = e.project
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// deploy runs the tool in-process with the test program and returns its exit code and JSON summary.
func (e *engineEnv) deploy(t *testing.T, args ...string) (int, *Summary, string) {
	t.Helper()
	args = append(args, "--dir", e.project, "--pulumi", e.cli, "--json")
	if (args[0] == "preview" || args[0] == "up") && !slices.Contains(args, "--skip-policy") {
		args = append(args, "--policy-pack", e.pack)
	}
	var stdout, stderr strings.Builder
	code := run(t.Context(), args, &stdout, &stderr, inline(testProgram))
	var s Summary
	if stdout.Len() > 0 {
		if err := json.Unmarshal([]byte(stdout.String()), &s); err != nil {
			t.Fatalf("deploy %v: stdout is not a JSON summary: %v\n%s\nstderr:\n%s", args, err, stdout.String(), stderr.String())
		}
	}
	return code, &s, stderr.String()
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

func stackNames(t *testing.T, e *engineEnv) []string {
	t.Helper()
	var stacks []struct{ Name string }
	if err := json.Unmarshal([]byte(e.pulumi(t, "stack", "ls", "--json")), &stacks); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range stacks {
		names = append(names, s.Name)
	}
	return names
}

// TestDeployThroughTheRealEngine drives the tool against the real CLI on a file backend: preview,
// up, outputs, a review stack cloned from dev (secrets included) and destroyed, and a mandatory
// policy violation. The steps build on each other, so the first failure stops the rest.
func TestDeployThroughTheRealEngine(t *testing.T) {
	e := newEngineEnv(t)
	e.pulumi(t, "stack", "init", "dev")
	e.pulumi(t, "config", "set", "--secret", "gatehouse:apiKey", "s3cr3t-value", "--stack", "dev")

	var devDigest string
	steps := []struct {
		name     string
		args     []string
		wantCode int
		packDir  bool
		before   func(t *testing.T)
		check    func(t *testing.T, s *Summary, stderr string)
	}{
		{
			name: "preview dev", args: []string{"preview", "--stack", "dev"}, wantCode: exitOK, packDir: true,
			check: func(t *testing.T, s *Summary, stderr string) {
				wantResult(t, s, "dev", ResultSucceeded)
				wantChanges(t, s, map[string]int{"create": 3})
				wantTypeOp(t, s, "gatehouse:test:Site", "create", 1)
				wantTypeOp(t, s, "gatehouse:test:Part", "create", 1)
				if s.Policy.Packs["deploy-test-pack"] == "" || s.Policy.Mandatory != 0 || s.Policy.Advisory != 0 {
					t.Errorf("policy %+v, want deploy-test-pack with no violations", s.Policy)
				}
				if !strings.Contains(stderr, "Building policy pack") || !strings.Contains(stderr, "gatehouse:test:Site") {
					t.Errorf("progress was not streamed to stderr:\n%s", stderr)
				}
			},
		},
		{
			name: "up dev", args: []string{"up", "--stack", "dev", "--message", "first deploy"}, wantCode: exitOK,
			check: func(t *testing.T, s *Summary, _ string) {
				wantResult(t, s, "dev", ResultSucceeded)
				wantChanges(t, s, map[string]int{"create": 3})
				wantOutput(t, s, "url", "https://dev.example.test")
				wantOutput(t, s, "owner", "platform-team")
				wantOutput(t, s, "replicas", 2.0)
				wantOutput(t, s, "apiKey", secretMask)
				devDigest, _ = s.Outputs["apiKeyDigest"].(string)
				if len(devDigest) != 16 {
					t.Errorf("apiKeyDigest %v: the program did not get the secret", s.Outputs["apiKeyDigest"])
				}
			},
		},
		{
			name: "outputs dev", args: []string{"outputs", "--stack", "dev"}, wantCode: exitOK,
			check: func(t *testing.T, s *Summary, _ string) {
				wantResult(t, s, "dev", ResultSucceeded)
				wantOutput(t, s, "url", "https://dev.example.test")
				wantOutput(t, s, "apiKey", secretMask)
			},
		},
		{
			name: "refresh dev", args: []string{"refresh", "--stack", "dev"}, wantCode: exitOK,
			check: func(t *testing.T, s *Summary, _ string) {
				wantResult(t, s, "dev", ResultSucceeded)
				if len(s.ChangesByType) != 0 {
					t.Errorf("refresh changed %v, want nothing", s.ChangesByType)
				}
				wantOutput(t, s, "url", "https://dev.example.test")
			},
		},
		{
			name: "preview creates the review stack from dev", args: []string{"preview", "--stack", "dev", "--pr", "7"}, wantCode: exitOK,
			check: func(t *testing.T, s *Summary, _ string) {
				wantResult(t, s, "dev-pr-7", ResultSucceeded)
				if s.BaseStack != "dev" || s.PR != 7 {
					t.Errorf("base %q pr %d, want dev and 7", s.BaseStack, s.PR)
				}
				wantChanges(t, s, map[string]int{"create": 3})
				devFile := readFile(t, filepath.Join(e.project, "Pulumi.dev.yaml"))
				prFile := readFile(t, filepath.Join(e.project, "Pulumi.dev-pr-7.yaml"))
				if !strings.Contains(prFile, "gatehouse:owner: platform-team") || !strings.Contains(prFile, "secure:") {
					t.Errorf("review stack file lacks the copied configuration:\n%s", prFile)
				}
				if strings.Contains(prFile, "s3cr3t-value") || secureValue(devFile) == secureValue(prFile) {
					t.Errorf("the secret was not re-encrypted for the review stack:\n%s", prFile)
				}
			},
		},
		{
			// CI checks out a fresh tree on every run: the review stack exists in the backend, but
			// its stack file, never committed, does not.
			name: "up the review stack from a fresh checkout", args: []string{"up", "--stack", "dev", "--pr", "7"}, wantCode: exitOK,
			before: func(t *testing.T) {
				if err := os.Remove(filepath.Join(e.project, "Pulumi.dev-pr-7.yaml")); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, s *Summary, _ string) {
				wantResult(t, s, "dev-pr-7", ResultSucceeded)
				wantOutput(t, s, "url", "https://dev-pr-7.example.test")
				wantOutput(t, s, "apiKeyDigest", devDigest)
			},
		},
		{
			name: "up the review stack again syncs config and changes nothing", args: []string{"up", "--stack", "dev", "--pr", "7"}, wantCode: exitOK,
			check: func(t *testing.T, s *Summary, _ string) {
				wantResult(t, s, "dev-pr-7", ResultSucceeded)
				wantChanges(t, s, map[string]int{"same": 3})
				if len(s.ChangesByType) != 0 {
					t.Errorf("changes by type %v, want none", s.ChangesByType)
				}
			},
		},
		{
			name: "destroy removes the review stack", args: []string{"destroy", "--stack", "dev", "--pr", "7"}, wantCode: exitOK,
			check: func(t *testing.T, s *Summary, _ string) {
				wantResult(t, s, "dev-pr-7", ResultSucceeded)
				wantChanges(t, s, map[string]int{"delete": 3})
				wantTypeOp(t, s, "gatehouse:test:Site", "delete", 1)
				if _, err := os.Stat(filepath.Join(e.project, "Pulumi.dev-pr-7.yaml")); !os.IsNotExist(err) {
					t.Errorf("review stack file still exists (stat: %v)", err)
				}
				if names := stackNames(t, e); strings.Contains(strings.Join(names, ","), "dev-pr-7") {
					t.Errorf("review stack still in the backend: %v", names)
				}
			},
		},
		{
			name: "destroying it again is a no-op", args: []string{"destroy", "--stack", "dev", "--pr", "7"}, wantCode: exitOK,
			check: func(t *testing.T, s *Summary, _ string) { wantResult(t, s, "dev-pr-7", ResultSucceeded) },
		},
		{
			name: "the base stack is untouched", args: []string{"outputs", "--stack", "dev"}, wantCode: exitOK,
			check: func(t *testing.T, s *Summary, _ string) { wantOutput(t, s, "apiKeyDigest", devDigest) },
		},
		{
			name: "a mandatory violation fails the preview", args: []string{"preview", "--stack", "bad"}, wantCode: exitPolicy,
			check: func(t *testing.T, s *Summary, _ string) {
				wantResult(t, s, "bad", ResultPolicyViolation)
				if s.Policy.Mandatory != 1 || s.Policy.Advisory != 1 || len(s.Policy.Violations) != 2 {
					t.Fatalf("policy %+v, want one mandatory and one advisory violation", s.Policy)
				}
				v := s.Policy.Violations[0]
				if v.Policy != "site-not-public" || v.EnforcementLevel != "mandatory" || !strings.HasSuffix(v.URN, "::site") ||
					v.Pack != "deploy-test-pack" || !strings.Contains(v.Message, "gatehouse:public") {
					t.Errorf("first violation %+v, want site-not-public on the site", v)
				}
				if s.Policy.Violations[1].Policy != "site-has-owner" {
					t.Errorf("second violation %+v, want the advisory site-has-owner", s.Policy.Violations[1])
				}
			},
		},
		{
			name: "a mandatory violation stops up before anything is deployed", args: []string{"up", "--stack", "bad"}, wantCode: exitPolicy,
			check: func(t *testing.T, s *Summary, _ string) {
				wantResult(t, s, "bad", ResultPolicyViolation)
				if len(s.Outputs) != 0 {
					t.Errorf("outputs %v after a blocked up", s.Outputs)
				}
				if len(s.ChangesByType) != 0 || len(s.Policy.Violations) != 2 || !strings.Contains(strings.Join(s.Errors, "\n"), "stopped before deploying anything") {
					t.Errorf("summary %+v: want no changes, both violations and the stop reason", s)
				}
				if state := e.pulumi(t, "stack", "export", "--stack", "bad"); strings.Contains(state, "gatehouse:test:Site") {
					t.Errorf("the site is in the state despite the violation:\n%s", state)
				}
			},
		},
		{
			// The Go language host cannot be had here, so the local mode can only be shown to hand
			// the project to the CLI, and to explain the missing host.
			name: "local mode needs the Go language host", args: []string{"preview", "--stack", "dev", "--program", "local"}, wantCode: exitFailed,
			check: func(t *testing.T, s *Summary, _ string) {
				if len(s.Errors) == 0 || !strings.Contains(s.Errors[len(s.Errors)-1], "--program local needs the Go language host") {
					t.Errorf("errors %q, want the language-host hint", s.Errors)
				}
			},
		},
		{
			name: "outputs of a stack that does not exist", args: []string{"outputs", "--stack", "nope"}, wantCode: exitFailed,
			check: func(t *testing.T, s *Summary, _ string) {
				wantResult(t, s, "nope", ResultFailed)
				if len(s.Errors) == 0 || !strings.Contains(s.Errors[len(s.Errors)-1], "does not exist") {
					t.Errorf("errors %q, want one saying the stack does not exist", s.Errors)
				}
			},
		},
		{
			name: "a review stack needs its base", args: []string{"preview", "--stack", "staging", "--pr", "1"}, wantCode: exitFailed,
			check: func(t *testing.T, s *Summary, _ string) {
				if len(s.Errors) == 0 || !strings.Contains(s.Errors[0], "deploy up --stack staging") {
					t.Errorf("errors %q, want the fix", s.Errors)
				}
			},
		},
		{
			name: "destroying a base stack needs confirmation", args: []string{"destroy", "--stack", "dev"}, wantCode: exitUsage,
			check: func(t *testing.T, _ *Summary, stderr string) {
				if !strings.Contains(stderr, "--confirm-destroy dev") {
					t.Errorf("stderr %q, want the confirmation hint", stderr)
				}
			},
		},
		{
			name: "up without a policy pack, asked for by name", args: []string{"up", "--stack", "dev", "--skip-policy"}, wantCode: exitOK,
			check: func(t *testing.T, s *Summary, stderr string) {
				wantResult(t, s, "dev", ResultSucceeded)
				wantChanges(t, s, map[string]int{"same": 3})
				if !s.Policy.Skipped || len(s.Policy.Packs) != 0 || strings.Contains(stderr, "Previewing dev") {
					t.Errorf("policy %+v: want skipped, no pack and no policy preview", s.Policy)
				}
			},
		},
		{
			name: "destroy dev with confirmation", args: []string{"destroy", "--stack", "dev", "--confirm-destroy", "dev"}, wantCode: exitOK,
			check: func(t *testing.T, s *Summary, _ string) {
				wantChanges(t, s, map[string]int{"delete": 3})
				if names := stackNames(t, e); !strings.Contains(strings.Join(names, ","), "dev") {
					t.Errorf("a base stack is destroyed but kept: stacks %v", names)
				}
			},
		},
	}
	for _, step := range steps {
		ok := t.Run(step.name, func(t *testing.T) {
			if step.before != nil {
				step.before(t)
			}
			e.pack = e.packBinary
			if step.packDir {
				e.pack = e.packDir
			}
			code, s, stderr := e.deploy(t, step.args...)
			if code != step.wantCode {
				t.Fatalf("deploy %v: exit code %d, want %d\nsummary: %+v\nstderr:\n%s", step.args, code, step.wantCode, s, stderr)
			}
			step.check(t, s, stderr)
		})
		if !ok {
			t.FailNow()
		}
	}
}

func TestMarkdownSummaryFile(t *testing.T) {
	e := newEngineEnv(t)
	e.pulumi(t, "stack", "init", "dev")
	md := filepath.Join(t.TempDir(), "summary.md")
	code, _, stderr := e.deploy(t, "preview", "--stack", "dev", "--markdown", md)
	if code != exitOK {
		t.Fatalf("exit code %d\n%s", code, stderr)
	}
	got := readFile(t, md)
	for _, want := range []string{"<!-- gatehouse-deploy stack=dev operation=preview -->", "### ✅ `preview` of stack `dev` succeeded",
		"| `gatehouse:test:Site` | 1 |", "Policy packs: `deploy-test-pack` 1.0.0."} {
		if !strings.Contains(got, want) {
			t.Errorf("Markdown summary lacks %q:\n%s", want, got)
		}
	}
}

func wantResult(t *testing.T, s *Summary, stack string, result Result) {
	t.Helper()
	if s.Stack != stack || s.Result != result {
		t.Errorf("stack %q result %q, want %q %q (errors: %q)", s.Stack, s.Result, stack, result, s.Errors)
	}
}

func wantChanges(t *testing.T, s *Summary, want map[string]int) {
	t.Helper()
	for op, n := range want {
		if s.Changes[op] != n {
			t.Errorf("changes %v, want %s=%d", s.Changes, op, n)
		}
	}
}

func wantTypeOp(t *testing.T, s *Summary, typ, op string, n int) {
	t.Helper()
	if s.ChangesByType[typ][op] != n {
		t.Errorf("changes by type %v, want %s %s=%d", s.ChangesByType, typ, op, n)
	}
}

func wantOutput(t *testing.T, s *Summary, name string, want any) {
	t.Helper()
	if got := s.Outputs[name]; got != want {
		t.Errorf("output %s = %#v, want %#v (outputs %v)", name, got, want, s.Outputs)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// secureValue returns the ciphertext of the first secure value in a stack file.
func secureValue(stackFile string) string {
	_, after, _ := strings.Cut(stackFile, "secure: ")
	line, _, _ := strings.Cut(after, "\n")
	return line
}
