package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The workflows cannot run here (no runner, no AWS), so these tests hold them to what can be
// checked offline: they parse, every action is pinned to a commit, permissions are least
// privilege, untrusted pull-request text never reaches a shell, and every deploy command line
// is one the tool accepts.

const workflowDir = "../../.github/workflows"

type workflow struct {
	Name        string                  `yaml:"name"`
	On          map[string]any          `yaml:"on"`
	Permissions map[string]string       `yaml:"permissions"`
	Jobs        map[string]*workflowJob `yaml:"jobs"`
}

type workflowJob struct {
	RunsOn      string            `yaml:"runs-on"`
	Uses        string            `yaml:"uses"`
	With        map[string]any    `yaml:"with"`
	Needs       any               `yaml:"needs"`
	Environment string            `yaml:"environment"`
	Timeout     int               `yaml:"timeout-minutes"`
	Permissions map[string]string `yaml:"permissions"`
	Strategy    struct {
		Matrix map[string]any `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []struct {
		Name string         `yaml:"name"`
		Uses string         `yaml:"uses"`
		Run  string         `yaml:"run"`
		With map[string]any `yaml:"with"`
	} `yaml:"steps"`
}

func loadWorkflows(t *testing.T) map[string]*workflow {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(workflowDir, "*.yml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no workflows in %s (%v)", workflowDir, err)
	}
	all := map[string]*workflow{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var w workflow
		if err := yaml.Unmarshal(raw, &w); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		all[filepath.Base(p)] = &w
	}
	return all
}

var pinnedAction = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)

// untrusted are event fields a pull-request author controls; in a run script they are a shell
// injection, so scripts get them through env if at all.
var untrusted = regexp.MustCompile(`\$\{\{\s*github\.event\.pull_request\.(title|body|head\.ref|head\.label)|github\.head_ref`)

func TestWorkflowsAreWellFormed(t *testing.T) {
	for file, w := range loadWorkflows(t) {
		t.Run(file, func(t *testing.T) {
			if w.Name == "" || len(w.On) == 0 || len(w.Jobs) == 0 {
				t.Fatalf("want name, on and jobs; got name %q, %d triggers, %d jobs", w.Name, len(w.On), len(w.Jobs))
			}
			if len(w.Permissions) != 1 || w.Permissions["contents"] != "read" {
				t.Errorf("top-level permissions %v, want only contents: read", w.Permissions)
			}
			for name, job := range w.Jobs {
				checkJob(t, file, name, job)
			}
		})
	}
}

func checkJob(t *testing.T, file, name string, job *workflowJob) {
	t.Helper()
	for _, problem := range jobProblems(job) {
		t.Errorf("%s job %s: %s", file, name, problem)
	}
}

func jobProblems(job *workflowJob) []string {
	var problems []string
	if strings.HasPrefix(job.Uses, "./") {
		if _, err := os.Stat(filepath.Join("../..", job.Uses)); err != nil {
			problems = append(problems, fmt.Sprintf("calls %s: %v", job.Uses, err))
		}
		return problems
	}
	if job.RunsOn == "" || job.Timeout == 0 || len(job.Steps) == 0 {
		problems = append(problems, "want runs-on, timeout-minutes and steps")
	}
	configuresAWS := false
	for i, step := range job.Steps {
		if (step.Uses == "") == (step.Run == "") {
			problems = append(problems, fmt.Sprintf("step %d: want exactly one of uses and run", i))
		}
		if step.Uses != "" && !pinnedAction.MatchString(step.Uses) {
			problems = append(problems, fmt.Sprintf("step %d: %s is not pinned to a commit SHA", i, step.Uses))
		}
		if strings.HasPrefix(step.Uses, "aws-actions/configure-aws-credentials@") {
			configuresAWS = true
		}
		if untrusted.MatchString(step.Run) {
			problems = append(problems, fmt.Sprintf("step %d: pull-request text expanded into a shell script", i))
		}
	}
	if configuresAWS != (job.Permissions["id-token"] == "write") {
		problems = append(problems, fmt.Sprintf("id-token: write must be granted exactly to the jobs that assume an AWS role (permissions %v)", job.Permissions))
	}
	return problems
}

// TestWorkflowsPassActionlint runs actionlint, pinned in the tools module, over every workflow:
// syntax, expressions, contexts, reusable-workflow inputs and permissions. Its shellcheck pass
// needs the shellcheck binary, which .ci/run does not install, so it is off here.
func TestWorkflowsPassActionlint(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(workflowDir, "*.yml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no workflows in %s (%v)", workflowDir, err)
	}
	args := []string{"tool", "actionlint", "-shellcheck=", "-pyflakes="}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, abs)
	}
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = filepath.Join("..", "..", "internal", "tools")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
}

// TestWorkflowChecksCatchMistakes shows that the checks above fire on the mistakes they exist for.
func TestWorkflowChecksCatchMistakes(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"unpinned action", "runs-on: x\ntimeout-minutes: 5\nsteps:\n  - uses: actions/checkout@v4\n", "not pinned"},
		{"injection", "runs-on: x\ntimeout-minutes: 5\nsteps:\n  - run: echo ${{ github.event.pull_request.title }}\n", "shell script"},
		{"oidc without a role", "runs-on: x\ntimeout-minutes: 5\npermissions: {id-token: write}\nsteps:\n  - run: true\n", "id-token"},
		{"role without oidc", "runs-on: x\ntimeout-minutes: 5\nsteps:\n  - uses: aws-actions/configure-aws-credentials@b47578312673ae6fa5b5096b330d9fbac3d116df\n", "id-token"},
		{"no timeout", "runs-on: x\nsteps:\n  - run: true\n", "timeout-minutes"},
		{"missing reusable workflow", "uses: ./.github/workflows/nope.yml\n", "nope.yml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var job workflowJob
			if err := yaml.Unmarshal([]byte(tt.yaml), &job); err != nil {
				t.Fatal(err)
			}
			problems := strings.Join(jobProblems(&job), "; ")
			if !strings.Contains(problems, tt.want) {
				t.Errorf("problems %q, want one about %q", problems, tt.want)
			}
		})
	}
}

// deployInvocation finds `go run ./cmd/deploy ...` lines.
var deployInvocation = regexp.MustCompile(`go run \./cmd/deploy (.*)`)

// TestWorkflowDeployCommandsParse feeds every deploy command line in the workflows, with its shell
// variables given sample values, to the tool's own argument parser.
func TestWorkflowDeployCommandsParse(t *testing.T) {
	samples := map[string]string{
		`"$STACK"`: "dev", `"$PR"`: "12", `"$PULUMI_CLI"`: "/opt/pulumi/bin/pulumi", `"$COMMAND"`: "preview",
		`"${args[@]}"`: `preview --stack dev --pulumi /opt/pulumi/bin/pulumi --json --markdown summary.md --pr 12`,
	}
	found := 0
	for file, w := range loadWorkflows(t) {
		for name, job := range w.Jobs {
			for _, step := range job.Steps {
				for _, m := range deployInvocation.FindAllStringSubmatch(step.Run, -1) {
					line, _, _ := strings.Cut(m[1], ">")
					for k, v := range samples {
						line = strings.ReplaceAll(line, k, v)
					}
					args := strings.Fields(line)
					found++
					if _, err := ParseArgs(args); err != nil {
						t.Errorf("%s job %s: deploy %s: %v", file, name, line, err)
					}
				}
			}
		}
	}
	if found < 2 {
		t.Fatalf("found %d deploy command lines, want the review and the deploy-stack ones", found)
	}
}

// TestWorkflowStacksAndGates checks the deployment shape: dev first, then fedramp and govcloud
// behind their own environments (where the required reviewers are), and GovCloud always in its
// own partition with its own environment.
func TestWorkflowStacksAndGates(t *testing.T) {
	all := loadWorkflows(t)
	main := all["main.yml"]
	if main == nil {
		t.Fatal("no main.yml")
	}
	tests := []struct {
		job, stack, environment, partition, needs string
	}{
		{"up-dev", "dev", "dev", "aws", "test"},
		{"up-fedramp", "fedramp", "fedramp", "aws", "up-dev"},
		{"up-govcloud", "govcloud", "govcloud", "aws-us-gov", "up-dev"},
	}
	for _, tt := range tests {
		job := main.Jobs[tt.job]
		if job == nil {
			t.Errorf("main.yml has no job %s", tt.job)
			continue
		}
		got := []any{job.With["command"], job.With["stack"], job.With["environment"], job.With["partition"], job.Needs}
		want := []any{"up", tt.stack, tt.environment, tt.partition, tt.needs}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("main.yml %s: got command/stack/environment/partition/needs %v, want %v", tt.job, got, want)
				break
			}
		}
	}
	pr := all["pull-request.yml"]
	if pr == nil || pr.Jobs["preview"] == nil {
		t.Fatal("pull-request.yml has no preview job")
	}
	include, _ := pr.Jobs["preview"].Strategy.Matrix["include"].([]any)
	stacks := map[string]bool{}
	for _, entry := range include {
		e, _ := entry.(map[string]any)
		stacks[e["stack"].(string)] = true
		wantPartition := "aws"
		if e["stack"] == "govcloud" {
			wantPartition = "aws-us-gov"
		}
		if e["partition"] != wantPartition || e["environment"] != e["stack"].(string)+"-preview" {
			t.Errorf("preview matrix entry %v: want partition %s and environment %s-preview", e, wantPartition, e["stack"])
		}
	}
	if len(stacks) != 3 {
		t.Errorf("preview covers %v, want dev, fedramp and govcloud", stacks)
	}
}

// TestPullRequestReviewUploadsEvidence: every pull request's review of each stack writes the
// authorization evidence, uploads it as an artifact even when the review fails, and posts the
// report, whose KSI section is the summary, as the comment.
func TestPullRequestReviewUploadsEvidence(t *testing.T) {
	job := loadWorkflows(t)["pull-request.yml"].Jobs["review"]
	if job == nil {
		t.Fatal("pull-request.yml has no review job")
	}
	var review, upload, comment bool
	for _, step := range job.Steps {
		switch {
		case strings.Contains(step.Run, "cmd/deploy review") && strings.Contains(step.Run, `--evidence "evidence/$STACK"`) &&
			strings.Contains(step.Run, "--format markdown") && strings.Contains(step.Run, ">> review.md"):
			review = true
		case strings.HasPrefix(step.Uses, "actions/upload-artifact@"):
			upload = step.With["path"] == "evidence/${{ matrix.stack }}" && step.With["if-no-files-found"] == "error"
		case strings.HasPrefix(step.Uses, "actions/github-script@"):
			comment = strings.Contains(fmt.Sprint(step.With["script"]), "review.md")
		}
	}
	if !review || !upload || !comment {
		t.Errorf("review job: writes evidence %v, uploads it %v, posts the report %v", review, upload, comment)
	}
}
