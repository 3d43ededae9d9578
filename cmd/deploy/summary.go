package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
)

// Result is the outcome of one run, in the order of precedence used for the exit code.
type Result string

const (
	ResultSucceeded       Result = "succeeded"
	ResultFailed          Result = "failed"
	ResultPolicyViolation Result = "policy-violation"
)

// secretMask replaces every secret output value in summaries: they go to PR comments and CI logs.
const secretMask = "[secret]"

// Summary is the machine-readable account of a run: the JSON summary as is, and the source of
// the Markdown summary.
type Summary struct {
	Operation Command `json:"operation"`
	Stack     string  `json:"stack"`
	BaseStack string  `json:"baseStack,omitempty"`
	PR        int     `json:"pr,omitempty"`
	Result    Result  `json:"result"`
	// Changes counts resource steps by operation (create, update, delete, replace, same, ...).
	Changes map[string]int `json:"changes"`
	// ChangesByType counts the steps that change something, by resource type and operation.
	ChangesByType map[string]map[string]int `json:"changesByType"`
	Policy        PolicySummary             `json:"policy"`
	// Outputs are the stack outputs after the run; secret values are masked.
	Outputs map[string]any `json:"outputs,omitempty"`
	// Permalink is the update's page in the backend's web console, when the backend has one.
	Permalink string `json:"permalink,omitempty"`
	// Errors are the engine's error diagnostics and the run's own error, in order.
	Errors []string `json:"errors,omitempty"`
}

// PolicySummary lists what the policy packs reported.
type PolicySummary struct {
	// Packs are the policy packs the engine ran, as name → version.
	Packs      map[string]string `json:"packs,omitempty"`
	Skipped    bool              `json:"skipped,omitempty"`
	Mandatory  int               `json:"mandatory"`
	Advisory   int               `json:"advisory"`
	Violations []Violation       `json:"violations"`
}

// Violation is one policy finding.
type Violation struct {
	Pack             string `json:"pack"`
	Policy           string `json:"policy"`
	EnforcementLevel string `json:"enforcementLevel"`
	Severity         string `json:"severity,omitempty"`
	URN              string `json:"urn,omitempty"`
	Message          string `json:"message"`
}

func newSummary(opts *Options) *Summary {
	s := &Summary{
		Operation:     opts.Command,
		Stack:         opts.Target(),
		Result:        ResultSucceeded,
		Changes:       map[string]int{},
		ChangesByType: map[string]map[string]int{},
		Policy:        PolicySummary{Skipped: opts.SkipPolicy, Violations: []Violation{}},
	}
	if opts.PR > 0 {
		s.BaseStack, s.PR = opts.Stack, opts.PR
	}
	return s
}

// collector folds the engine's event stream into a Summary while the operation runs.
type collector struct {
	mu      sync.Mutex
	summary *Summary
	steps   map[string]int
	seen    map[string]bool
}

func newCollector(s *Summary) *collector {
	return &collector{summary: s, steps: map[string]int{}, seen: map[string]bool{}}
}

// consume reads events until the channel closes; the Automation API closes it when the
// operation ends.
func (c *collector) consume(ch <-chan events.EngineEvent, done chan<- struct{}) {
	for ev := range ch {
		c.add(ev)
	}
	close(done)
}

func (c *collector) add(ev events.EngineEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.summary
	switch {
	case ev.ResOutputsEvent != nil:
		// ResOutputsEvent marks a finished step (planned, in a preview); counting it rather than
		// ResourcePreEvent keeps failed steps out of the change counts.
		md := ev.ResOutputsEvent.Metadata
		op := string(md.Op)
		key := op + " " + md.URN
		if c.seen[key] {
			return
		}
		c.seen[key] = true
		if op == "same" || op == "read" {
			return
		}
		if s.ChangesByType[md.Type] == nil {
			s.ChangesByType[md.Type] = map[string]int{}
		}
		s.ChangesByType[md.Type][op]++
	case ev.PolicyEvent != nil:
		p := ev.PolicyEvent
		s.Policy.Violations = append(s.Policy.Violations, Violation{
			Pack: p.PolicyPackName, Policy: p.PolicyName, EnforcementLevel: p.EnforcementLevel,
			Severity: p.Severity, URN: p.ResourceURN, Message: strings.TrimSpace(p.Message),
		})
		if p.EnforcementLevel == "mandatory" {
			s.Policy.Mandatory++
		} else {
			s.Policy.Advisory++
		}
	case ev.DiagnosticEvent != nil:
		d := ev.DiagnosticEvent
		if d.Severity == "error" && !d.Ephemeral {
			s.Errors = append(s.Errors, strings.TrimSpace(d.Message))
		}
	case ev.SummaryEvent != nil:
		for op, n := range ev.SummaryEvent.ResourceChanges {
			s.Changes[string(op)] = n
		}
		for key, version := range ev.SummaryEvent.PolicyPacks {
			// Local packs are keyed "<name>|local|<path>"; the temporary path means nothing to a reader.
			name, _, _ := strings.Cut(key, "|")
			if s.Policy.Packs == nil {
				s.Policy.Packs = map[string]string{}
			}
			s.Policy.Packs[name] = version
		}
	}
}

// resetForUpdate forgets a gating preview's changes and findings; its errors, if any, stay.
func (s *Summary) resetForUpdate() {
	s.Changes = map[string]int{}
	s.ChangesByType = map[string]map[string]int{}
	s.Policy.Mandatory, s.Policy.Advisory = 0, 0
	s.Policy.Violations = []Violation{}
}

// finish settles the result from what the run returned and what the events said.
func (s *Summary) finish(runErr error) {
	if runErr != nil {
		s.Errors = append(s.Errors, runErr.Error())
		s.Result = ResultFailed
	}
	if s.Policy.Mandatory > 0 {
		s.Result = ResultPolicyViolation
	}
	sort.SliceStable(s.Policy.Violations, func(i, j int) bool {
		a, b := s.Policy.Violations[i], s.Policy.Violations[j]
		if a.EnforcementLevel != b.EnforcementLevel {
			return a.EnforcementLevel == "mandatory"
		}
		if a.Policy != b.Policy {
			return a.Policy < b.Policy
		}
		return a.URN < b.URN
	})
}

// ExitCode maps the result to the documented exit codes.
func (s *Summary) ExitCode() int {
	switch s.Result {
	case ResultSucceeded:
		return exitOK
	case ResultPolicyViolation:
		return exitPolicy
	default:
		return exitFailed
	}
}

func maskOutputs(outputs map[string]outputValue) map[string]any {
	masked := make(map[string]any, len(outputs))
	for k, v := range outputs {
		if v.Secret {
			masked[k] = secretMask
		} else {
			masked[k] = v.Value
		}
	}
	return masked
}

type outputValue struct {
	Value  any
	Secret bool
}

// WriteJSON writes the summary as indented JSON with a trailing newline.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("deploy: write JSON summary: %w", err)
	}
	return nil
}
