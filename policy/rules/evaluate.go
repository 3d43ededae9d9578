package rules

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// Violation is one failed check.
type Violation struct {
	Rule    Rule
	Level   policyx.EnforcementLevel
	URN     string // the resource at fault; empty for the stack as a whole
	Message string
}

// Evaluate runs the pack over resources the way the engine does: every resource policy on each
// resource, then every stack policy on the whole set. Policy config is not involved, so the
// pack's stack settings apply.
func (p *Pack) Evaluate(ctx context.Context, resources []Resource) ([]Violation, error) {
	var out []Violation
	for _, policy := range p.Policies() {
		rule, _ := Lookup(policy.Name())
		report := func(urn, message string) {
			out = append(out, Violation{Rule: rule, Level: policy.EnforcementLevel(), URN: urn, Message: message})
		}
		switch policy := policy.(type) {
		case policyx.ResourceValidationPolicy:
			for _, r := range resources {
				m := reporter(func(message, urn string) {
					if urn == "" {
						urn = r.URN
					}
					report(urn, message)
				})
				if err := policy.Validate(ctx, policyx.ResourceValidationArgs{Manager: m, Resource: r}); err != nil {
					return nil, fmt.Errorf("rules: %s on %s: %w", policy.Name(), r.URN, err)
				}
			}
		case policyx.StackValidationPolicy:
			m := reporter(func(message, urn string) { report(urn, message) })
			if err := policy.Validate(ctx, policyx.StackValidationArgs{Manager: m, Resources: resources}); err != nil {
				return nil, fmt.Errorf("rules: %s: %w", policy.Name(), err)
			}
		}
	}
	return out, nil
}

type reporter func(message, urn string)

func (r reporter) ReportViolation(message, urn string) { r(message, urn) }
