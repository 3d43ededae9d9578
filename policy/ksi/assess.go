package ksi

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The status of a KSI for one stack.
const (
	// StatusSatisfied: rules evidence every control of the KSI the infrastructure can carry, and
	// all of them passed.
	StatusSatisfied = "satisfied"
	// StatusPartial: some of those controls are evidenced and passed; others are not evidenced
	// by any rule that applies to this stack.
	StatusPartial = "partially satisfied"
	// StatusNotAddressed: no rule that applies to this stack evidences the KSI.
	StatusNotAddressed = "not addressed by this stack"
	// StatusFailed: a rule that evidences the KSI failed.
	StatusFailed = "failed"
)

// Statuses lists the statuses from the worst to the best.
var Statuses = []string{StatusFailed, StatusNotAddressed, StatusPartial, StatusSatisfied}

// Rule statuses, as the review reports them.
const (
	RulePass          = "pass"
	RuleFail          = "fail"
	RuleNotApplicable = "not-applicable"
)

// Result is one policy rule's outcome for a stack: what the KSIs are assessed from.
type Result struct {
	Rule string
	// Controls as the rule names them ("SC-8(1)").
	Controls []string
	// Status is RulePass, RuleFail or RuleNotApplicable.
	Status string
	// Subjects are the URNs of the resources the rule inspected.
	Subjects []string
	// Failed are the URNs of the resources that violated the rule ("" for the stack itself).
	Failed []string
}

// Evidence is one rule's contribution to a KSI.
type Evidence struct {
	Rule   string `json:"rule"`
	Status string `json:"status"`
	// Controls are the KSI's controls the rule evidences (OSCAL identifiers).
	Controls []string `json:"controls"`
	// Resources are the URNs of the resources inspected (for a failure: those that failed).
	Resources []string `json:"resources"`
}

// Assessment is one KSI's status for a stack, with what it rests on.
type Assessment struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Theme     string `json:"theme"`
	Statement string `json:"statement"`
	Status    string `json:"status"`
	// Controls are all the KSI's controls (OSCAL identifiers).
	Controls []string `json:"controls"`
	// Evidenced are the controls a passing rule evidences in this stack.
	Evidenced []string `json:"evidencedControls"`
	// Failing are the controls of the rules that failed.
	Failing []string `json:"failingControls"`
	// Unevidenced are the system-level controls no rule that applies to this stack evidences.
	Unevidenced []string `json:"unevidencedControls"`
	// Organisational are the controls of organisation-level families and policies: the operator's.
	Organisational []string   `json:"organisationalControls"`
	Evidence       []Evidence `json:"evidence"`
	// Responsibility is what remains the operator's to demonstrate the KSI.
	Responsibility string `json:"operatorResponsibility"`
	// Reason says why the rules give no evidence for the KSI, where they give none.
	Reason string `json:"reason,omitempty"`
}

// Report is the KSI assessment of one stack.
type Report struct {
	Dataset Dataset `json:"dataset"`
	// Catalog is the NIST SP 800-53 release the control identifiers are checked against.
	Catalog    string         `json:"controlCatalog"`
	Counts     map[string]int `json:"counts"`
	Indicators []Assessment   `json:"indicators"`
}

// Assess maps rule results onto every KSI. A rule evidences a KSI control it names, and the
// base control of an enhancement it names (SC-8(1) evidences SC-8, not the reverse).
func Assess(results []Result) (*Report, error) {
	type named struct {
		Result
		ids []string
	}
	var rules []named
	for _, r := range results {
		n := named{Result: r}
		for _, c := range r.Controls {
			id, err := ID(c)
			if err != nil {
				return nil, fmt.Errorf("ksi: rule %s: %w", r.Rule, err)
			}
			n.ids = append(n.ids, id)
		}
		rules = append(rules, n)
	}
	report := &Report{Dataset: Source(), Catalog: CatalogRelease, Counts: map[string]int{}}
	for _, s := range Statuses {
		report.Counts[s] = 0
	}
	for _, k := range Indicators() {
		a := Assessment{ID: k.ID, Name: k.Name, Theme: k.ThemeName, Statement: k.Text(), Controls: k.Controls,
			Evidenced: []string{}, Failing: []string{}, Unevidenced: []string{}, Organisational: []string{}, Evidence: []Evidence{}}
		a.Responsibility, a.Reason = responsibility(k.ID)
		evidenced, failing := map[string]bool{}, map[string]bool{}
		for _, r := range rules {
			matched := evidences(r.ids, k.Controls)
			if len(matched) == 0 {
				continue
			}
			e := Evidence{Rule: r.Rule, Status: r.Status, Controls: matched, Resources: r.Subjects}
			switch r.Status {
			case RuleFail:
				e.Resources = r.Failed
				for _, c := range matched {
					failing[c] = true
				}
			case RulePass:
				for _, c := range matched {
					evidenced[c] = true
				}
			}
			if e.Resources == nil {
				e.Resources = []string{}
			}
			a.Evidence = append(a.Evidence, e)
		}
		for _, c := range k.Controls {
			switch {
			case evidenced[c] && !failing[c]:
				a.Evidenced = append(a.Evidenced, c)
			case failing[c]:
				a.Failing = append(a.Failing, c)
			case Organisational(c):
				a.Organisational = append(a.Organisational, c)
			default:
				a.Unevidenced = append(a.Unevidenced, c)
			}
		}
		a.Status = status(a)
		report.Counts[a.Status]++
		report.Indicators = append(report.Indicators, a)
	}
	return report, nil
}

func status(a Assessment) string {
	switch {
	case len(a.Failing) > 0:
		return StatusFailed
	case len(a.Evidenced) == 0:
		return StatusNotAddressed
	case len(a.Unevidenced) > 0:
		return StatusPartial
	}
	return StatusSatisfied
}

// evidences lists the KSI controls a rule's controls evidence, in the KSI's order.
func evidences(ruleIDs, ksiControls []string) []string {
	var out []string
	for _, c := range ksiControls {
		if slices.ContainsFunc(ruleIDs, func(r string) bool { return r == c || base(r) == c }) {
			out = append(out, c)
		}
	}
	return out
}

// organisationalFamilies are the 800-53 families whose controls are the provider's programme,
// people and procedures (training, incident response, planning, personnel, supply chain,
// assessment and authorisation, physical and media protection, maintenance, privacy), which no
// infrastructure code can carry. Contingency planning, risk assessment and acquisition are too,
// except backups and recovery (CP-9, CP-10) and vulnerability scanning (RA-5).
var organisationalFamilies = []string{"at", "ca", "ir", "ma", "mp", "pe", "pl", "pm", "ps", "pt", "sr", "cp", "ra", "sa"}

var systemControlsInOrganisationalFamilies = []string{"cp-9", "cp-10", "ra-5"}

// Organisational reports whether a control is organisation-level: a policy-and-procedures
// control (xx-1) or one of an organisational family. The others (AC, AU, CM, IA, SC, SI and the
// exceptions above) can be implemented by the infrastructure and evidenced by the rules.
func Organisational(id string) bool {
	b := base(id)
	family, number, _ := strings.Cut(b, "-")
	if n, err := strconv.Atoi(number); err == nil && n == 1 {
		return true
	}
	if slices.Contains(systemControlsInOrganisationalFamilies, b) {
		return false
	}
	return slices.Contains(organisationalFamilies, family)
}
