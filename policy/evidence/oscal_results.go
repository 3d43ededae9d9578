package evidence

import (
	"fmt"
	"slices"
	"strings"
	"time"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"github.com/gatehouse/gatehouse/policy/ksi"
	"github.com/gatehouse/gatehouse/policy/review"
	"github.com/gatehouse/gatehouse/policy/rules"
)

// AssessmentResults is one OSCAL result for one review run: every rule evaluation an
// observation of the resources it inspected, and every violation a finding per control of the
// rule, naming the resource's URN.
func AssessmentResults(r *review.Report, now time.Time) (*oscal.OscalModels, error) {
	run := uuidOf("result", r.Stack, now.Format(time.RFC3339Nano))
	tool := oscal.SystemComponent{
		UUID: uuidOf("tool", rules.PackName, rules.PackVersion.String()), Type: "software",
		Title:       "Gatehouse offline review with the " + rules.PackName + " policy pack " + rules.PackVersion.String(),
		Description: "Runs the Gatehouse program for a stack under Pulumi mocks and applies every rule of the policy pack to the resources it registers.",
		Status:      oscal.SystemComponentStatus{State: "operational"},
	}
	items := map[string]string{} // URN → inventory item uuid
	var inventory []oscal.InventoryItem
	for _, res := range r.Resources {
		if strings.HasPrefix(res.Type, "gatehouse:") {
			continue
		}
		id := uuidOf("inventory", r.Stack, res.URN)
		items[res.URN] = id
		inventory = append(inventory, oscal.InventoryItem{UUID: id, Description: res.Type + " " + res.Name,
			Props: &[]oscal.Property{prop("pulumi-urn", res.URN), prop("pulumi-type", res.Type)}})
	}
	actor := []oscal.Origin{{Actors: []oscal.OriginActor{{Type: "tool", ActorUuid: tool.UUID}}}}
	var observations []oscal.Observation
	var findings []oscal.Finding
	reviewed := map[string][]string{}
	for _, res := range r.Results {
		obs := oscal.Observation{
			UUID:        uuidOf("observation", run, res.Rule),
			Title:       "Rule " + res.Rule + ": " + res.Status,
			Description: res.Description,
			Methods:     []string{"TEST"},
			Types:       &[]string{"control-objective"},
			Collected:   now,
			Origins:     &actor,
			Props: &[]oscal.Property{prop("rule", res.Rule), prop("rule-status", res.Status), prop("enforcement", res.Enforcement),
				prop("controls", strings.Join(res.Controls, ", "))},
			RelevantEvidence: &[]oscal.RelevantEvidence{{Description: evidenceText(res)}},
		}
		if res.Status == ksi.RuleFail {
			obs.Types = &[]string{"finding"}
		}
		var subjects []oscal.SubjectReference
		for _, urn := range res.Subjects {
			if id, ok := items[urn]; ok {
				subjects = append(subjects, oscal.SubjectReference{SubjectUuid: id, Type: "inventory-item", Title: urn})
			}
		}
		if len(subjects) > 0 {
			obs.Subjects = &subjects
		}
		observations = append(observations, obs)
		for _, c := range res.Controls {
			id, err := ksi.ID(c)
			if err != nil {
				return nil, err
			}
			reviewed[id] = nil
			for _, v := range res.Violations {
				target := v.Resource
				if target == "" {
					target = "the stack " + r.Stack
				}
				f := oscal.Finding{
					UUID:        uuidOf("finding", run, res.Rule, v.Resource, v.Message, id),
					Title:       fmt.Sprintf("%s not satisfied: rule %s failed on %s", ksi.Label(id), res.Rule, strings.TrimSpace(v.Type+" "+v.Name)),
					Description: v.Message,
					Target: oscal.FindingTarget{Type: "objective-id", TargetId: id + "_obj", Title: ksi.Label(id),
						Status: oscal.ObjectiveStatus{State: "not-satisfied", Reason: "fail"}},
					Origins:             &actor,
					RelatedObservations: &[]oscal.RelatedObservation{{ObservationUuid: obs.UUID}},
					Props: &[]oscal.Property{prop("rule", res.Rule), prop("enforcement", res.Enforcement),
						prop("resource-urn", target), prop("controls", strings.Join(res.Controls, ", "))},
				}
				findings = append(findings, f)
			}
		}
	}
	var include []oscal.AssessedControlsSelectControlById
	for _, id := range sortedControls(reviewed) {
		include = append(include, oscal.AssessedControlsSelectControlById{ControlId: id})
	}
	result := oscal.Result{
		UUID:        run,
		Title:       "Offline policy review of stack " + r.Stack,
		Description: fmt.Sprintf("The Gatehouse program for stack %s (%s, %s, compliance %s) under Pulumi mocks, with every rule of the %s policy pack applied to the %d resources it registers.", r.Stack, r.Partition, r.Region, r.Compliance, rules.PackName, len(inventory)),
		Start:       now,
		End:         &now,
		Props: &[]oscal.Property{prop("stack", r.Stack), prop("partition", r.Partition), prop("compliance", r.Compliance),
			prop("mandatory-violations", fmt.Sprint(r.Mandatory)), prop("advisory-violations", fmt.Sprint(r.Advisory))},
		LocalDefinitions: &oscal.LocalDefinitions{Components: &[]oscal.SystemComponent{tool}, InventoryItems: &inventory},
		ReviewedControls: oscal.ReviewedControls{
			Description:       "Every NIST SP 800-53 Rev. 5 control a rule of the policy pack names.",
			ControlSelections: []oscal.AssessedControls{{IncludeControls: &include}},
		},
		Observations: &observations,
	}
	if len(findings) > 0 {
		result.Findings = &findings
	}
	return &oscal.OscalModels{AssessmentResults: &oscal.AssessmentResults{
		UUID: uuidOf("assessment-results", run),
		Metadata: metadata("Gatehouse offline review of stack "+r.Stack,
			"One result per review run. Observations are rule evaluations; findings are violations, one per control of the rule.", now),
		ImportAp: oscal.ImportAp{Href: "component-definition.json",
			Remarks: "There is no separate assessment plan: the plan is the policy pack's rule catalog, applied to every resource; the components and the controls they implement are in the component definition written beside these results."},
		Results: []oscal.Result{result},
	}}, nil
}

func evidenceText(res review.Result) string {
	switch res.Status {
	case ksi.RuleNotApplicable:
		return "The stack has no resource of the types the rule inspects."
	case ksi.RulePass:
		if len(res.Subjects) == 0 {
			return "The rule judged the stack as a whole and found no violation."
		}
		return fmt.Sprintf("The rule inspected %d resources and found no violation.", len(res.Subjects))
	}
	var names []string
	for _, v := range res.Violations {
		names = append(names, strings.TrimSpace(v.Type+" "+v.Name+": "+v.Message))
	}
	slices.Sort(names)
	return fmt.Sprintf("%d violations: %s", len(res.Violations), strings.Join(names, "; "))
}
