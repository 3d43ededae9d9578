package rules_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

var (
	commercial = rules.Settings{Partition: rules.PartitionCommercial, Compliance: rules.ComplianceNone}
	fedramp    = rules.Settings{Partition: rules.PartitionCommercial, Compliance: rules.ComplianceFedRAMPHigh}
	govcloud   = rules.Settings{Partition: rules.PartitionGovCloud, Compliance: rules.ComplianceFedRAMPHigh}
)

type obj = map[string]any
type list = []any

// res builds a resource the way the engine presents it: input properties in camelCase.
func res(typ, name string, props obj) rules.Resource {
	return rules.Resource{
		Type:       typ,
		Name:       name,
		URN:        "urn:pulumi:test::gatehouse::" + typ + "::" + name,
		Properties: resource.FromResourcePropertyMap(resource.NewPropertyMapFromMap(props)),
	}
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// finding is one reported violation.
type finding struct {
	rule, urn, message string
	level              policyx.EnforcementLevel
}

type collector struct {
	rule     policyx.Policy
	findings *[]finding
}

func (c collector) ReportViolation(message, urn string) {
	*c.findings = append(*c.findings, finding{rule: c.rule.Name(), urn: urn, message: message, level: c.rule.EnforcementLevel()})
}

// evaluate runs every policy of the pack for a stack with settings s over resources, as the engine
// does: resource policies on each resource, stack policies on the set.
func evaluate(t *testing.T, s rules.Settings, resources ...rules.Resource) []finding {
	t.Helper()
	var out []finding
	for _, p := range rules.NewPack(s).Policies() {
		m := collector{rule: p, findings: &out}
		switch p := p.(type) {
		case policyx.ResourceValidationPolicy:
			for _, r := range resources {
				if err := p.Validate(context.Background(), policyx.ResourceValidationArgs{Manager: m, Resource: r}); err != nil {
					t.Fatalf("%s: %v", p.Name(), err)
				}
			}
		case policyx.StackValidationPolicy:
			if err := p.Validate(context.Background(), policyx.StackValidationArgs{Manager: m, Resources: resources}); err != nil {
				t.Fatalf("%s: %v", p.Name(), err)
			}
		}
	}
	return out
}

func fired(findings []finding, rule string) []finding {
	var out []finding
	for _, f := range findings {
		if f.rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// ruleCase is one rule's fixtures: bad must make the rule fire, good must not. doc names the AWS
// documentation a deployability fixture encodes.
type ruleCase struct {
	rule     string
	settings rules.Settings
	bad      []rules.Resource
	good     []rules.Resource
	doc      string
}

var covered = map[string]bool{}

func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		covered[c.rule] = true
		t.Run(c.rule, func(t *testing.T) {
			if _, ok := rules.Lookup(c.rule); !ok {
				t.Fatalf("no rule named %q", c.rule)
			}
			if got := fired(evaluate(t, c.settings, c.bad...), c.rule); len(got) == 0 {
				t.Errorf("bad fixture: %s did not fire", c.rule)
			} else {
				for _, f := range got {
					if f.message == "" {
						t.Errorf("bad fixture: %s fired without a message", c.rule)
					}
				}
			}
			if got := fired(evaluate(t, c.settings, c.good...), c.rule); len(got) > 0 {
				t.Errorf("good fixture: %s fired: %v", c.rule, got)
			}
		})
	}
}

func without(m obj, keys ...string) obj {
	out := obj{}
	for k, v := range m {
		if !slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out
}

func with(m obj, kv ...any) obj {
	out := obj{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}
