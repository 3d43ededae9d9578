package rules_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

func allCases() []ruleCase {
	var out []ruleCase
	for _, family := range [][]ruleCase{s3Cases(), dataCases(), networkCases(), accessCases(), loggingCases(), partitionCases(), deployabilityCases()} {
		out = append(out, family...)
	}
	return out
}

// TestRulesFireOnBadFixtures feeds each rule a violating and a compliant fixture.
func TestRulesFireOnBadFixtures(t *testing.T) {
	cases := allCases()
	for i := range cases {
		if len(cases[i].bad) == 0 {
			// A fixture that only proves a rule stays quiet elsewhere (another partition or baseline).
			c := cases[i]
			t.Run(c.rule+"/quiet", func(t *testing.T) {
				if got := fired(evaluate(t, c.settings, c.good...), c.rule); len(got) > 0 {
					t.Errorf("%s fired: %v", c.rule, got)
				}
			})
			cases[i].rule = ""
		}
	}
	var firing []ruleCase
	for _, c := range cases {
		if c.rule != "" {
			firing = append(firing, c)
		}
	}
	runCases(t, firing)
}

var (
	kebab   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	control = regexp.MustCompile(`^[A-Z]{2}-\d+(\(\d+\))?$`)
)

func TestCatalog(t *testing.T) {
	catalog := rules.Catalog()
	seen := map[string]bool{}
	resourceRules := 0
	bad := map[string]bool{}
	for _, c := range allCases() {
		if len(c.bad) > 0 {
			bad[c.rule] = true
		}
	}
	for _, r := range catalog {
		if !kebab.MatchString(r.Name) {
			t.Errorf("%q is not kebab-case", r.Name)
		}
		if seen[r.Name] {
			t.Errorf("%q is defined twice", r.Name)
		}
		seen[r.Name] = true
		if len(r.Controls) == 0 {
			t.Errorf("%s names no NIST control", r.Name)
		}
		for _, c := range r.Controls {
			if !control.MatchString(c) {
				t.Errorf("%s: %q is not a NIST 800-53 control id", r.Name, c)
			}
		}
		if !strings.HasPrefix(r.Description(), strings.Join(r.Controls, ", ")+": ") || strings.Contains(r.Description(), "\n") {
			t.Errorf("%s: description %q must be one line that starts with its controls", r.Name, r.Description())
		}
		if (r.Check == nil) == (r.CheckStack == nil) {
			t.Errorf("%s must have exactly one of Check and CheckStack", r.Name)
		}
		if r.Family != rules.FamilyPartition {
			resourceRules++
		}
		if !bad[r.Name] {
			t.Errorf("%s has no bad fixture", r.Name)
		}
		if r.Level(fedramp) != policyx.EnforcementLevelMandatory {
			t.Errorf("%s is not mandatory under fedramp-high", r.Name)
		}
		if r.Family == rules.FamilyDeployability {
			if !strings.HasPrefix(r.Doc, "https://docs.aws.amazon.com/") {
				t.Errorf("%s names no AWS documentation (Doc %q)", r.Name, r.Doc)
			}
			if r.Level(commercial) != policyx.EnforcementLevelMandatory {
				t.Errorf("%s is not mandatory everywhere: what AWS refuses is refused in every stack", r.Name)
			}
		}
	}
	if resourceRules < 45 {
		t.Errorf("%d resource rules; want at least 45", resourceRules)
	}
}
