package evidence

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gatehouse/gatehouse/policy/ksi"
	"github.com/gatehouse/gatehouse/policy/review"
)

// The files of an evidence directory.
const (
	FileBoundary            = "boundary.json"
	FileBoundarySchema      = "boundary.schema.json"
	FileBoundaryExplanation = "boundary.md"
	FileKSI                 = "ksi.json"
	FileKSISchema           = "ksi.schema.json"
	FileComponentDefinition = "component-definition.json"
	FileAssessmentResults   = "assessment-results.json"
	FileReport              = "review.md"
)

// KSIVersion is the version of ksi.json's shape (schema/ksi.schema.json).
const KSIVersion = "1.0.0"

// KSIDocument is ksi.json: the stack and every KSI's status.
type KSIDocument struct {
	SchemaVersion string `json:"schemaVersion"`
	Stack         string `json:"stack"`
	Partition     string `json:"partition"`
	Region        string `json:"region"`
	Compliance    string `json:"compliance"`
	*ksi.Report
}

// Write derives the evidence of a reviewed stack, validates every document against its schema
// (the OSCAL ones with go-oscal's validator) and only then writes them all to dir. now stamps
// the OSCAL documents; the other files carry no time, so a review of the same program writes
// the same bytes.
func Write(dir string, r *review.Report, now time.Time) ([]string, error) {
	files, err := Build(r, now)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	var written []string
	for _, name := range order {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return written, fmt.Errorf("evidence: %w", err)
		}
		written = append(written, path)
	}
	return written, nil
}

var order = []string{FileBoundary, FileBoundarySchema, FileBoundaryExplanation, FileKSI, FileKSISchema,
	FileComponentDefinition, FileAssessmentResults, FileReport}

// Build derives and validates every evidence file in memory, by file name.
func Build(r *review.Report, now time.Time) (map[string][]byte, error) {
	now = now.UTC().Truncate(time.Second)
	files := map[string][]byte{FileBoundarySchema: BoundarySchema, FileKSISchema: KSISchema}
	b := DeriveBoundary(r)
	var err error
	if files[FileBoundary], err = marshal(b); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	if err := ValidateBoundary(files[FileBoundary]); err != nil {
		return nil, err
	}
	var md bytes.Buffer
	if err := RenderBoundaryMarkdown(&md, b); err != nil {
		return nil, err
	}
	files[FileBoundaryExplanation] = md.Bytes()
	if r.KSI == nil {
		return nil, fmt.Errorf("evidence: the report of stack %s has no KSI assessment", r.Stack)
	}
	if files[FileKSI], err = marshal(KSIDocument{SchemaVersion: KSIVersion, Stack: r.Stack, Partition: r.Partition, Region: r.Region,
		Compliance: r.Compliance, Report: r.KSI}); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	if err := ValidateKSI(files[FileKSI]); err != nil {
		return nil, err
	}
	cd, err := ComponentDefinition(r, now)
	if err != nil {
		return nil, err
	}
	ar, err := AssessmentResults(r, now)
	if err != nil {
		return nil, err
	}
	for name, doc := range map[string]any{FileComponentDefinition: cd, FileAssessmentResults: ar} {
		if files[name], err = marshal(doc); err != nil {
			return nil, fmt.Errorf("evidence: %w", err)
		}
		if err := ValidateOSCAL(files[name]); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	var report bytes.Buffer
	if err := review.Render(&report, r, review.FormatMarkdown); err != nil {
		return nil, err
	}
	files[FileReport] = report.Bytes()
	return files, nil
}
