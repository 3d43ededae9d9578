package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"govcloud as text", []string{"--stack", "govcloud"}, 0, "Result: PASS", ""},
		{"fedramp as markdown", []string{"--stack", "fedramp", "--format", "markdown"}, 0, "```mermaid", ""},
		{"dev as json", []string{"--stack", "dev", "--format", "json"}, 0, `"mandatoryViolations": 0`, ""},
		{"no stack", nil, exitError, "", "--stack is required"},
		{"unknown stack", []string{"--stack", "nope"}, exitError, "", "Pulumi.nope.yaml"},
		{"unknown format", []string{"--stack", "dev", "--format", "pdf"}, exitError, "", "unknown format"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(c.args, &stdout, &stderr); code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), c.stdout) || !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("stdout %q and stderr %q; want them to contain %q and %q", stdout.String(), stderr.String(), c.stdout, c.stderr)
			}
		})
	}
}
