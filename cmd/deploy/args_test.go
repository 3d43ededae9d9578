package main

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		want         *Options
		wantProblems []string
	}{
		{
			name: "preview defaults",
			args: []string{"preview", "--stack", "dev"},
			want: &Options{Command: CmdPreview, Stack: "dev", Dir: ".", Program: ProgramInline,
				PolicyPacks: []string{"policy"}, BuildPolicy: true, ReviewFormat: "markdown"},
		},
		{
			name: "up for a pull request with JSON and Markdown",
			args: []string{"up", "--stack", "fedramp", "--pr", "42", "--json", "--markdown", "out.md", "--program", "local",
				"--policy-pack", "a", "--policy-pack", "b", "--policy-pack-config", "c.json", "--parallel", "4"},
			want: &Options{Command: CmdUp, Stack: "fedramp", PR: 42, Dir: ".", Program: ProgramLocal,
				PolicyPacks: []string{"a", "b"}, PolicyPackConfigs: []string{"c.json"}, BuildPolicy: true,
				JSON: true, MarkdownFile: "out.md", Parallel: 4, ReviewFormat: "markdown"},
		},
		{
			name: "skip policy is explicit and leaves no pack",
			args: []string{"up", "--stack", "dev", "--skip-policy"},
			want: &Options{Command: CmdUp, Stack: "dev", Dir: ".", Program: ProgramInline,
				SkipPolicy: true, BuildPolicy: true, ReviewFormat: "markdown"},
		},
		{
			name: "destroy of a review stack needs no confirmation",
			args: []string{"destroy", "--stack", "org/dev", "--pr", "7"},
			want: &Options{Command: CmdDestroy, Stack: "org/dev", PR: 7, Dir: ".", Program: ProgramInline,
				PolicyPacks: []string{"policy"}, BuildPolicy: true, ReviewFormat: "markdown"},
		},
		{
			name: "destroy of a base stack with confirmation",
			args: []string{"destroy", "--stack", "dev", "--confirm-destroy", "dev"},
			want: &Options{Command: CmdDestroy, Stack: "dev", ConfirmDestroy: "dev", Dir: ".", Program: ProgramInline,
				PolicyPacks: []string{"policy"}, BuildPolicy: true, ReviewFormat: "markdown"},
		},
		{name: "no command", args: nil, wantProblems: []string{"a command is required"}},
		{
			name:         "every problem at once",
			args:         []string{"deploy", "--pr", "x", "--program", "remote", "--parallel", "-1", "--format", "xml"},
			wantProblems: []string{`unknown command "deploy"`, "--stack is required", `--pr "x"`, `--program "remote"`, "--parallel", `--format "xml"`},
		},
		{name: "negative pr", args: []string{"up", "--stack", "dev", "--pr", "-3"}, wantProblems: []string{`--pr "-3"`}},
		{name: "bad stack name", args: []string{"up", "--stack", "dev stack"}, wantProblems: []string{`--stack "dev stack"`}},
		{name: "review stack as base", args: []string{"up", "--stack", "dev-pr-3", "--pr", "4"}, wantProblems: []string{"already a review stack"}},
		{name: "base destroy without confirmation", args: []string{"destroy", "--stack", "govcloud"}, wantProblems: []string{"--confirm-destroy govcloud"}},
		{name: "base destroy with wrong confirmation", args: []string{"destroy", "--stack", "govcloud", "--confirm-destroy", "dev"}, wantProblems: []string{"--confirm-destroy govcloud"}},
		{name: "skip policy contradicts a pack", args: []string{"up", "--stack", "dev", "--skip-policy", "--policy-pack", "p"}, wantProblems: []string{"contradict"}},
		{name: "review takes no pr", args: []string{"review", "--stack", "dev", "--pr", "2"}, wantProblems: []string{"--pr does not apply"}},
		{name: "evidence is for review", args: []string{"up", "--stack", "dev", "--evidence", "ev"}, wantProblems: []string{"--evidence applies to review only"}},
		{name: "stray positional argument", args: []string{"up", "dev"}, wantProblems: []string{"unexpected arguments"}},
		{name: "unknown flag", args: []string{"up", "--stack", "dev", "--force"}, wantProblems: []string{"-force"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseArgs(tt.args)
			if tt.wantProblems == nil {
				if err != nil {
					t.Fatalf("ParseArgs: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("ParseArgs:\n got %+v\nwant %+v", got, tt.want)
				}
				return
			}
			var usageErr *UsageError
			if !errors.As(err, &usageErr) {
				t.Fatalf("ParseArgs: got %v, want a UsageError", err)
			}
			for _, want := range tt.wantProblems {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q:\n%v", want, err)
				}
			}
			if len(usageErr.Problems) < len(tt.wantProblems) {
				t.Errorf("got %d problems, want at least %d: %v", len(usageErr.Problems), len(tt.wantProblems), usageErr.Problems)
			}
		})
	}
}

func TestTarget(t *testing.T) {
	tests := []struct {
		stack string
		pr    int
		want  string
	}{
		{"dev", 0, "dev"},
		{"dev", 12, "dev-pr-12"},
		{"acme/dev", 3, "acme/dev-pr-3"},
		{"acme/gatehouse/govcloud", 99, "acme/gatehouse/govcloud-pr-99"},
	}
	for _, tt := range tests {
		if got := (&Options{Stack: tt.stack, PR: tt.pr}).Target(); got != tt.want {
			t.Errorf("Target(%q, %d) = %q, want %q", tt.stack, tt.pr, got, tt.want)
		}
	}
}

func TestRunExitCodesWithoutEngine(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "help", args: []string{"help"}, wantCode: exitOK, wantOut: "Exit codes:"},
		{name: "usage error", args: []string{"up"}, wantCode: exitUsage, wantErr: "--stack is required"},
		{name: "missing project", args: []string{"outputs", "--stack", "dev", "--dir", "testdata/none"}, wantCode: exitFailed, wantErr: "has no Pulumi.yaml"},
		{name: "missing policy pack", args: []string{"preview", "--stack", "dev", "--dir", "testdata/project", "--policy-pack", "nope"}, wantCode: exitFailed, wantErr: "--policy-pack nope: not found"},
		{name: "review of a shipped stack", args: []string{"review", "--stack", "dev", "--dir", "../..", "--format", "markdown"}, wantCode: exitOK, wantOut: "policy review: `dev`"},
		{name: "review of a missing stack file", args: []string{"review", "--stack", "nope", "--dir", "../.."}, wantCode: exitFailed, wantErr: "review of nope"},
		{name: "review with evidence", args: []string{"review", "--stack", "govcloud", "--dir", "../..", "--evidence", "EVIDENCE"}, wantCode: exitOK, wantErr: "evidence files of stack govcloud"},
		{name: "pulumi path layout", args: []string{"outputs", "--stack", "dev", "--dir", "testdata/project", "--pulumi", "/opt/pulumi"}, wantCode: exitFailed, wantErr: "<root>/bin/pulumi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			for i, a := range tt.args {
				if a == "EVIDENCE" {
					tt.args[i] = filepath.Join(t.TempDir(), "evidence")
				}
			}
			code := run(t.Context(), tt.args, &stdout, &stderr, nil)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout does not contain %q:\n%s", tt.wantOut, stdout.String())
			}
			if !strings.Contains(stdout.String()+stderr.String(), tt.wantErr) {
				t.Errorf("output does not contain %q:\nstdout: %s\nstderr: %s", tt.wantErr, stdout.String(), stderr.String())
			}
		})
	}
}
