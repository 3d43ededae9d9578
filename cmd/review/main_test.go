package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/exitcode"
	"github.com/gatehouse/gatehouse/policy/evidence"
)

func TestRun(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"govcloud as text", []string{"--stack", "govcloud"}, exitcode.OK, "Result: PASS", ""},
		{"fedramp as markdown", []string{"--stack", "fedramp", "--format", "markdown"}, exitcode.OK, "### FedRAMP Key Security Indicators", ""},
		{"dev as json", []string{"--stack", "dev", "--format", "json"}, exitcode.OK, `"mandatoryViolations": 0`, ""},
		{"no stack", nil, exitcode.Usage, "", "--stack is required"},
		{"unknown flag", []string{"--stack", "dev", "--nope"}, exitcode.Usage, "", "Exit codes:"},
		{"unknown format", []string{"--stack", "dev", "--format", "pdf"}, exitcode.Usage, "", "unknown format"},
		{"unknown stack", []string{"--stack", "nope"}, exitcode.Failed, "", "Pulumi.nope.yaml"},
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

// TestEvidenceFlag: --evidence writes every evidence file beside the report.
func TestEvidenceFlag(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "evidence")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--stack", "govcloud", "--evidence", dir}, &stdout, &stderr); code != exitcode.OK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, name := range []string{evidence.FileBoundary, evidence.FileBoundaryExplanation, evidence.FileKSI,
		evidence.FileComponentDefinition, evidence.FileAssessmentResults, evidence.FileReport} {
		if info, err := os.Stat(filepath.Join(dir, name)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !strings.Contains(stderr.String(), "evidence files of stack govcloud") {
		t.Errorf("stderr %q does not say where the evidence went", stderr.String())
	}
}
