package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

var update = flag.Bool("update", false, "rewrite the golden Markdown files")

const siteURN = "urn:pulumi:dev-pr-12::gatehouse::gatehouse:test:Site::site"

func ev(e apitype.EngineEvent) events.EngineEvent { return events.EngineEvent{EngineEvent: e} }

func outputsEvent(op, typ, urn string) events.EngineEvent {
	return ev(apitype.EngineEvent{ResOutputsEvent: &apitype.ResOutputsEvent{
		Metadata: apitype.StepEventMetadata{Op: apitype.OpType(op), Type: typ, URN: urn},
	}})
}

func TestCollector(t *testing.T) {
	tests := []struct {
		name       string
		events     []events.EngineEvent
		runErr     error
		wantResult Result
		wantByType map[string]map[string]int
		wantCounts [2]int // mandatory, advisory
		wantErrors int
	}{
		{
			name: "changes by type, same and duplicates left out",
			events: []events.EngineEvent{
				outputsEvent("create", "gatehouse:test:Site", siteURN),
				outputsEvent("create", "gatehouse:test:Site", siteURN),
				outputsEvent("create", "gatehouse:test:Part", siteURN+"-part"),
				outputsEvent("same", "pulumi:pulumi:Stack", "urn:stack"),
				outputsEvent("update", "gatehouse:test:Site", siteURN+"2"),
			},
			wantResult: ResultSucceeded,
			wantByType: map[string]map[string]int{
				"gatehouse:test:Site": {"create": 1, "update": 1},
				"gatehouse:test:Part": {"create": 1},
			},
		},
		{
			name: "a mandatory violation wins over the failure it causes",
			events: []events.EngineEvent{
				ev(apitype.EngineEvent{PolicyEvent: &apitype.PolicyEvent{PolicyName: "site-not-public", EnforcementLevel: "mandatory", ResourceURN: siteURN}}),
				ev(apitype.EngineEvent{PolicyEvent: &apitype.PolicyEvent{PolicyName: "site-has-owner", EnforcementLevel: "advisory"}}),
				ev(apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{Severity: "error", Message: "preview failed\n"}}),
				ev(apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{Severity: "warning", Message: "ignored"}}),
			},
			runErr:     errors.New("exit 255"),
			wantResult: ResultPolicyViolation,
			wantByType: map[string]map[string]int{},
			wantCounts: [2]int{1, 1},
			wantErrors: 2,
		},
		{
			name:       "advisory only still succeeds",
			events:     []events.EngineEvent{ev(apitype.EngineEvent{PolicyEvent: &apitype.PolicyEvent{PolicyName: "site-has-owner", EnforcementLevel: "advisory"}})},
			wantResult: ResultSucceeded,
			wantByType: map[string]map[string]int{},
			wantCounts: [2]int{0, 1},
		},
		{
			name:       "a failure without violations",
			runErr:     errors.New("boom"),
			wantResult: ResultFailed,
			wantByType: map[string]map[string]int{},
			wantErrors: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSummary(&Options{Command: CmdPreview, Stack: "dev", PR: 12})
			ch := make(chan events.EngineEvent)
			done := make(chan struct{})
			go newCollector(s).consume(ch, done)
			for _, e := range tt.events {
				ch <- e
			}
			close(ch)
			<-done
			s.finish(tt.runErr)
			if s.Result != tt.wantResult {
				t.Errorf("result %q, want %q", s.Result, tt.wantResult)
			}
			if !reflect.DeepEqual(s.ChangesByType, tt.wantByType) {
				t.Errorf("changes by type %v, want %v", s.ChangesByType, tt.wantByType)
			}
			if got := [2]int{s.Policy.Mandatory, s.Policy.Advisory}; got != tt.wantCounts {
				t.Errorf("mandatory/advisory %v, want %v", got, tt.wantCounts)
			}
			if len(s.Errors) != tt.wantErrors {
				t.Errorf("errors %q, want %d", s.Errors, tt.wantErrors)
			}
		})
	}
}

func TestConciseError(t *testing.T) {
	tests := []struct{ in, want string }{
		{"failed to run preview: exit status 255\ncode: 255\nstdout: lots of progress\nstderr: error: bad\n", "failed to run preview: exit status 255 (exit code 255): error: bad"},
		{"failed to run update: exit status 1\ncode: 1\nstdout: x\nstderr: \n", "failed to run update: exit status 1 (exit code 1)"},
		{"plain error\n", "plain error"},
	}
	for _, tt := range tests {
		if got := conciseError(tt.in); got != tt.want {
			t.Errorf("conciseError(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHintFor(t *testing.T) {
	tests := []struct {
		name    string
		program ProgramMode
		err     string
		want    string
	}{
		{"local without the language host", ProgramLocal, "error: no language plugin 'pulumi-language-go' found", "Go language host"},
		{"inline never blames the language host", ProgramInline, "error: no language plugin 'pulumi-language-go' found", ""},
		{"project keys without defaults", ProgramInline, "Stack 'dev-pr-2' is missing configuration values 'domain'", "Pulumi.dev-pr-2.yaml"},
		{"anything else", ProgramInline, "exit status 255", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hintFor(&Options{Stack: "dev", PR: 2, Program: tt.program}, errors.New(tt.err))
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("hintFor(%q) = %q, want one containing %q", tt.err, got, tt.want)
			}
		})
	}
}

func goldenSummaries() map[string]*Summary {
	return map[string]*Summary{
		"preview-pr": {
			Operation: CmdPreview, Stack: "dev-pr-12", BaseStack: "dev", PR: 12, Result: ResultSucceeded,
			Changes: map[string]int{"create": 3, "same": 1, "update": 1},
			ChangesByType: map[string]map[string]int{
				"aws:s3/bucketV2:BucketV2":                 {"create": 1},
				"gatehouse:site:SiteBucket":                {"create": 1, "update": 1},
				"aws:cloudfront/distribution:Distribution": {"create": 1},
			},
			Policy: PolicySummary{
				Packs: map[string]string{"gatehouse-fedramp": "0.1.0"}, Advisory: 1,
				Violations: []Violation{{Pack: "gatehouse-fedramp", Policy: "s3-access-logging", EnforcementLevel: "advisory",
					URN:     "urn:pulumi:dev-pr-12::gatehouse::gatehouse:site:SiteBucket$aws:s3/bucketV2:BucketV2::site-assets",
					Message: "Enable access logging | see AU-2"}},
			},
		},
		"up-outputs": {
			Operation: CmdUp, Stack: "govcloud", Result: ResultSucceeded,
			Permalink: "https://app.pulumi.com/acme/gatehouse/govcloud/updates/17",
			Changes:   map[string]int{"same": 40, "replace": 1}, ChangesByType: map[string]map[string]int{"aws:ecs/service:Service": {"replace": 1}},
			Policy:  PolicySummary{Packs: map[string]string{"gatehouse-fedramp": "0.1.0"}, Violations: []Violation{}},
			Outputs: map[string]any{"url": "https://app.example.gov", "clientSecret": secretMask, "desiredCount": 2.0, "routes": []any{"todo", "greeting"}},
		},
		"policy-violation": {
			Operation: CmdPreview, Stack: "govcloud", Result: ResultPolicyViolation,
			Changes: map[string]int{}, ChangesByType: map[string]map[string]int{},
			Policy: PolicySummary{Mandatory: 1, Violations: []Violation{{Pack: "gatehouse-fedramp", Policy: "partition-no-cloudfront",
				EnforcementLevel: "mandatory", Message: "CloudFront does not exist in aws-us-gov:\nuse topology regional"}}},
			Errors: []string{"preview failed: 1 mandatory policy violation", "deploy: preview of govcloud failed: exit code 255 ~~~"},
		},
		"destroy-pr": {
			Operation: CmdDestroy, Stack: "dev-pr-3", BaseStack: "dev", PR: 3, Result: ResultSucceeded,
			Changes: map[string]int{"delete": 3}, ChangesByType: map[string]map[string]int{"gatehouse:test:Site": {"delete": 3}},
			Policy: PolicySummary{Violations: []Violation{}},
		},
		"up-skipped-policy": {
			Operation: CmdUp, Stack: "dev", Result: ResultSucceeded,
			Changes: map[string]int{"same": 2}, ChangesByType: map[string]map[string]int{},
			Policy: PolicySummary{Skipped: true, Violations: []Violation{}},
		},
	}
}

func TestMarkdownGolden(t *testing.T) {
	for name, s := range goldenSummaries() {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			if err := s.WriteMarkdown(&got); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", name+".md")
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/deploy -run TestMarkdownGolden -update to create it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("Markdown for %s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got.String(), want)
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		result Result
		want   int
	}{
		{ResultSucceeded, exitOK}, {ResultFailed, exitFailed}, {ResultPolicyViolation, exitPolicy},
	}
	for _, tt := range tests {
		if got := (&Summary{Result: tt.result}).ExitCode(); got != tt.want {
			t.Errorf("ExitCode(%s) = %d, want %d", tt.result, got, tt.want)
		}
	}
}
