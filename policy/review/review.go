// Package review runs the Gatehouse program for a stack under Pulumi mocks and applies the
// FedRAMP policy pack to everything it registers, for review without AWS.
package review

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/internal/stack"
	"github.com/gatehouse/gatehouse/policy/ksi"
	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// Project is the Pulumi project name the stacks belong to.
const Project = "gatehouse"

// Report is the outcome of reviewing one stack.
type Report struct {
	Stack      string           `json:"stack"`
	Partition  string           `json:"partition"`
	Region     string           `json:"region"`
	Compliance string           `json:"compliance"`
	Resources  []rules.Resource `json:"-"`
	Inventory  []*Node          `json:"inventory"`
	// Diagram is the topology as a Mermaid flowchart.
	Diagram string   `json:"diagram"`
	Results []Result `json:"results"`
	// Mandatory and Advisory count violations by enforcement level.
	Mandatory int `json:"mandatoryViolations"`
	Advisory  int `json:"advisoryViolations"`
	// KSI is every FedRAMP Key Security Indicator's status for the stack, from the results.
	KSI *ksi.Report `json:"ksi"`
}

// Result is one rule's outcome for the stack.
type Result struct {
	Rule        string   `json:"rule"`
	Family      string   `json:"family"`
	Controls    []string `json:"controls"`
	Description string   `json:"description"`
	Enforcement string   `json:"enforcement"`
	// Status is "pass", "fail" or "not-applicable" (no resource of the types the rule inspects).
	Status     string      `json:"status"`
	Violations []Violation `json:"violations,omitempty"`
	// Subjects are the URNs of the resources the rule inspected (none for a stack rule that
	// concerns no resource type).
	Subjects []string `json:"subjects,omitempty"`
}

// Violation is one failure of a rule.
type Violation struct {
	Resource string `json:"resource"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	Message  string `json:"message"`
}

// Run reviews Pulumi.<stackName>.yaml in root: the whole program under mocks, then every rule.
func Run(ctx context.Context, root, stackName string) (*Report, error) {
	config, resources, err := Load(root, stackName)
	if err != nil {
		return nil, err
	}
	return Evaluate(ctx, stackName, config, resources)
}

// Load runs the program for Pulumi.<stackName>.yaml in root under mocks and returns the stack's
// configuration and its resources as the policy engine would present them.
func Load(root, stackName string) (map[string]string, []rules.Resource, error) {
	config, err := offline.LoadStackConfig(filepath.Join(root, "Pulumi."+stackName+".yaml"))
	if err != nil {
		return nil, nil, fmt.Errorf("review: %w", err)
	}
	m, err := offline.RunStackFile(root, Project, stackName, nil, stack.Deploy)
	if err != nil {
		return nil, nil, fmt.Errorf("review: stack %s: %w", stackName, err)
	}
	return config, convert(m.Resources(), stackName, config["aws:region"]), nil
}

// Evaluate applies the pack to resources of a stack with the given configuration.
func Evaluate(ctx context.Context, stackName string, config map[string]string, resources []rules.Resource) (*Report, error) {
	settings := rules.StackSettings(config)
	violations, err := rules.NewPack(settings).Evaluate(ctx, resources)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	report := &Report{Stack: stackName, Partition: settings.Partition, Region: config["aws:region"],
		Compliance: settings.Compliance, Resources: resources, Inventory: Inventory(resources), Diagram: Diagram(resources)}
	present := map[string]bool{}
	byURN := map[string]rules.Resource{}
	for _, r := range resources {
		present[r.Type] = true
		byURN[r.URN] = r
	}
	for _, rule := range rules.Catalog() {
		res := Result{Rule: rule.Name, Family: string(rule.Family), Controls: rule.Controls, Description: rule.Description(),
			Enforcement: level(rule.Level(settings)), Status: "pass"}
		if len(rule.Types) > 0 && !slices.ContainsFunc(rule.Types, func(t string) bool { return present[t] }) {
			res.Status = "not-applicable"
		}
		for _, r := range resources {
			if slices.Contains(rule.Types, r.Type) {
				res.Subjects = append(res.Subjects, r.URN)
			}
		}
		for _, v := range violations {
			if v.Rule.Name != rule.Name {
				continue
			}
			r := byURN[v.URN]
			res.Status = "fail"
			res.Violations = append(res.Violations, Violation{Resource: v.URN, Type: r.Type, Name: r.Name, Message: v.Message})
			if v.Level == policyx.EnforcementLevelMandatory {
				report.Mandatory++
			} else {
				report.Advisory++
			}
		}
		report.Results = append(report.Results, res)
	}
	slices.SortStableFunc(report.Results, func(a, b Result) int { return cmp.Compare(rank(a), rank(b)) })
	if report.KSI, err = ksi.Assess(ksiResults(report.Results)); err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	return report, nil
}

// ksiResults presents the rule results to the KSI assessment.
func ksiResults(results []Result) []ksi.Result {
	out := make([]ksi.Result, 0, len(results))
	for _, r := range results {
		k := ksi.Result{Rule: r.Rule, Controls: r.Controls, Status: r.Status, Subjects: r.Subjects}
		for _, v := range r.Violations {
			if !slices.Contains(k.Failed, v.Resource) {
				k.Failed = append(k.Failed, v.Resource)
			}
		}
		out = append(out, k)
	}
	return out
}

// Passed is true when no mandatory rule failed.
func (r *Report) Passed() bool { return r.Mandatory == 0 }

// Count returns how many results have the given status.
func (r *Report) Count(status string) int {
	n := 0
	for _, res := range r.Results {
		if res.Status == status {
			n++
		}
	}
	return n
}

// rank puts failures first (mandatory before advisory), then passes, then rules that did not apply.
func rank(r Result) int {
	switch {
	case r.Status == "fail" && r.Enforcement == "mandatory":
		return 0
	case r.Status == "fail":
		return 1
	case r.Status == "pass":
		return 2
	}
	return 3
}

func level(l policyx.EnforcementLevel) string {
	switch l {
	case policyx.EnforcementLevelMandatory:
		return "mandatory"
	case policyx.EnforcementLevelDisabled:
		return "disabled"
	}
	return "advisory"
}
