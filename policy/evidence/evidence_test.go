package evidence_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/policy/evidence"
	"github.com/gatehouse/gatehouse/policy/review"
	"github.com/gatehouse/gatehouse/policy/rules"
)

var update = flag.Bool("update", false, "rewrite the golden boundary.md in testdata")

var clock = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func root(t *testing.T) string {
	t.Helper()
	r, err := offline.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type loaded struct {
	config    map[string]string
	resources []rules.Resource
}

// runs keeps each shipped stack's mock run: a run takes a second or two, and every test only reads it.
var runs sync.Map

// load runs a shipped stack under mocks (once per test binary), optionally edits its resources,
// and reviews them.
func load(t *testing.T, stack string, edits ...func([]rules.Resource) []rules.Resource) *review.Report {
	t.Helper()
	v, ok := runs.Load(stack)
	if !ok {
		config, resources, err := review.Load(root(t), stack)
		if err != nil {
			t.Fatal(err)
		}
		v, _ = runs.LoadOrStore(stack, loaded{config, resources})
	}
	config, resources := v.(loaded).config, slices.Clone(v.(loaded).resources)
	for _, e := range edits {
		resources = e(resources)
	}
	r, err := review.Evaluate(context.Background(), stack, config, resources)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestShippedStacksEvidence writes the evidence of every shipped stack and validates each JSON
// document against its schema again: boundary.json and ksi.json against theirs, the OSCAL
// documents with go-oscal's validator. The same review at the same time gives the same bytes, and
// only the OSCAL documents carry the time.
func TestShippedStacksEvidence(t *testing.T) {
	for _, stack := range []string{"dev", "fedramp", "govcloud"} {
		t.Run(stack, func(t *testing.T) {
			r := load(t, stack)
			dir := t.TempDir()
			written, err := evidence.Write(dir, r, clock)
			if err != nil {
				t.Fatal(err)
			}
			if len(written) != 8 {
				t.Errorf("wrote %v", written)
			}
			read := func(name string) []byte {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			if err := evidence.ValidateBoundary(read(evidence.FileBoundary)); err != nil {
				t.Error(err)
			}
			if err := evidence.ValidateKSI(read(evidence.FileKSI)); err != nil {
				t.Error(err)
			}
			for _, name := range []string{evidence.FileComponentDefinition, evidence.FileAssessmentResults} {
				if err := evidence.ValidateOSCAL(read(name)); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if !bytes.Contains(read(name), []byte(clock.Format(time.RFC3339))) {
					t.Errorf("%s is not stamped with the injected clock", name)
				}
			}
			// A second mock run, not the kept one: the program registers from many goroutines.
			second, err := review.Run(context.Background(), root(t), stack)
			if err != nil {
				t.Fatal(err)
			}
			again, err := evidence.Build(second, clock)
			if err != nil {
				t.Fatal(err)
			}
			for name, b := range again {
				if !bytes.Equal(b, read(name)) {
					t.Errorf("%s differs between two reviews of the same program", name)
				}
				if name != evidence.FileComponentDefinition && name != evidence.FileAssessmentResults && bytes.Contains(b, []byte("2026-03-04")) {
					t.Errorf("%s carries the time", name)
				}
			}
			var ksi evidence.KSIDocument
			if err := json.Unmarshal(read(evidence.FileKSI), &ksi); err != nil {
				t.Fatal(err)
			}
			if len(ksi.Indicators) != 46 {
				t.Errorf("%d KSIs, want 46", len(ksi.Indicators))
			}
			// dev is not built for FedRAMP: its advisory violations (no Cognito threat protection,
			// the default CloudFront certificate) fail the KSIs they evidence, and only those.
			for _, k := range ksi.Indicators {
				for _, e := range k.Evidence {
					if e.Status == "fail" && (r.Compliance == rules.ComplianceFedRAMPHigh || !advisory(r, e.Rule)) {
						t.Errorf("%s fails on %s in a shipped %s stack", k.ID, e.Rule, r.Compliance)
					}
				}
			}
			if !bytes.Contains(read(evidence.FileReport), []byte("### FedRAMP Key Security Indicators")) {
				t.Error("review.md has no KSI section")
			}
		})
	}
}

func advisory(r *review.Report, rule string) bool {
	i := slices.IndexFunc(r.Results, func(res review.Result) bool { return res.Rule == rule })
	return i >= 0 && r.Results[i].Enforcement == "advisory"
}

// TestValidatorsRefuseBadDocuments proves the validators judge: a document that breaks its
// schema is refused.
func TestValidatorsRefuseBadDocuments(t *testing.T) {
	files, err := evidence.Build(load(t, "govcloud"), clock)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, file, from, to string
		validate             func([]byte) error
	}{
		{"connection without a port", evidence.FileBoundary, `"port": 443,`, ``, evidence.ValidateBoundary},
		{"unknown direction", evidence.FileBoundary, `"direction": "inbound"`, `"direction": "sideways"`, evidence.ValidateBoundary},
		{"unknown KSI status", evidence.FileKSI, `"status": "partially satisfied"`, `"status": "fine"`, evidence.ValidateKSI},
		{"malformed control", evidence.FileKSI, `"sc-28.1"`, `"SC-28(1)"`, evidence.ValidateKSI},
		{"OSCAL uuid", evidence.FileAssessmentResults, `"uuid": "`, `"uuid": "x`, evidence.ValidateOSCAL},
		{"OSCAL finding state", evidence.FileComponentDefinition, `"oscal-version": "1.1.3"`, `"oscal-version": 3`, evidence.ValidateOSCAL},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := strings.Replace(string(files[c.file]), c.from, c.to, 1)
			if bad == string(files[c.file]) {
				t.Fatalf("%s has no %s", c.file, c.from)
			}
			if err := c.validate([]byte(bad)); err == nil {
				t.Errorf("%s with %q accepted", c.file, c.to)
			}
		})
	}
}

// without removes the resources of a type whose name ends with suffix.
func without(typ, suffix string) func([]rules.Resource) []rules.Resource {
	return func(rs []rules.Resource) []rules.Resource {
		return slices.DeleteFunc(slices.Clone(rs), func(r rules.Resource) bool { return r.Type == typ && strings.HasSuffix(r.Name, suffix) })
	}
}

// TestSeededViolation: a bucket left unencrypted is a finding in the assessment results, linked
// to its controls and the bucket's URN, fails the KSIs that depend on those controls, and shows
// in the report.
func TestSeededViolation(t *testing.T) {
	r := load(t, "govcloud", without("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "truststore"))
	if r.Passed() {
		t.Fatal("the unencrypted bucket passed the review")
	}
	files, err := evidence.Build(r, clock)
	if err != nil {
		t.Fatal(err)
	}
	bucket := ""
	for _, res := range r.Resources {
		if res.Type == "aws:s3/bucketV2:BucketV2" && strings.HasSuffix(res.Name, "truststore") {
			bucket = res.URN
		}
	}
	var ar struct {
		AR struct {
			Results []struct {
				Findings []struct {
					Title  string
					Target struct {
						TargetID string `json:"target-id"`
						Status   struct{ State string }
					}
					Props []struct{ Name, Value string }
				}
			}
		} `json:"assessment-results"`
	}
	if err := json.Unmarshal(files[evidence.FileAssessmentResults], &ar); err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, f := range ar.AR.Results[0].Findings {
		if slices.ContainsFunc(f.Props, func(p struct{ Name, Value string }) bool { return p.Name == "resource-urn" && p.Value == bucket }) {
			targets[f.Target.TargetID] = f.Target.Status.State == "not-satisfied"
		}
	}
	if !targets["sc-28_obj"] || !targets["sc-28.1_obj"] {
		t.Errorf("findings on %s target %v; want SC-28 and SC-28(1) not satisfied", bucket, targets)
	}
	var ksi evidence.KSIDocument
	if err := json.Unmarshal(files[evidence.FileKSI], &ksi); err != nil {
		t.Fatal(err)
	}
	for _, k := range ksi.Indicators {
		if k.ID == "KSI-SVC-SIN" && (k.Status != "failed" || !slices.Contains(k.Failing, "sc-28")) {
			t.Errorf("KSI-SVC-SIN (encryption) is %q with failing %v; want failed on sc-28", k.Status, k.Failing)
		}
	}
	md := string(files[evidence.FileReport])
	for _, want := range []string{"❌ **FAIL**", "s3-bucket-sse-kms", "| KSI-SVC-SIN Securing Information | SC-28"} {
		if !strings.Contains(md, want) {
			t.Errorf("review.md lacks %q", want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := evidence.Report(r, review.FormatMarkdown, t.TempDir(), &stdout, &stderr, "review"); code != 3 {
		t.Errorf("a mandatory violation exits %d, want 3 (the shared table)", code)
	}
}

// TestGoldenBoundaryMarkdown pins boundary.md, which people read, for the govcloud stack.
func TestGoldenBoundaryMarkdown(t *testing.T) {
	var got bytes.Buffer
	if err := evidence.RenderBoundaryMarkdown(&got, evidence.DeriveBoundary(load(t, "govcloud"))); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "govcloud-boundary.md")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("boundary.md changed; if intended, run go test ./policy/evidence -run TestGoldenBoundaryMarkdown -update\n%s", got.String())
	}
}

// TestBFFDoesNotLinkEvidence keeps the OSCAL library, and the policy packages, out of the BFF
// binary and every package it imports.
func TestBFFDoesNotLinkEvidence(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./bff/cmd/bff")
	cmd.Dir = root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "go-oscal") || strings.Contains(pkg, "santhosh-tekuri") || strings.HasPrefix(pkg, "github.com/gatehouse/gatehouse/policy") {
			t.Errorf("the BFF links %s", pkg)
		}
	}
}
