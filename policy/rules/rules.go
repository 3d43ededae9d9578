// Package rules is the Gatehouse FedRAMP policy pack: resource and stack rules drawn from the
// AWS Config FedRAMP High conformance packs and the cdk-nag NIST 800-53 rev5 pack, restricted to
// the resource types Gatehouse creates, plus the per-partition service bans.
package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// Resource is a resource as the policy engine presents it: type, input property names in
// camelCase, URN, parent, provider and dependencies.
type Resource = policyx.AnalyzerResource

// Family groups rules by concern; each family lives in its own file.
type Family string

const (
	FamilyEncryption Family = "encryption"
	FamilyNetwork    Family = "network-tls"
	FamilyIdentity   Family = "identity"
	FamilyLogging    Family = "logging"
	FamilyCompute    Family = "compute-containers"
	FamilyPartition  Family = "partition"
)

// Rule is one check. Exactly one of Check and CheckStack is set.
type Rule struct {
	// Name is kebab-case and stable: reports, policy config and suppressions refer to it.
	Name   string
	Family Family
	// Controls are the NIST SP 800-53 rev5 controls the rule evidences.
	Controls []string
	// Summary says, in one line, what must be true.
	Summary string
	// Baseline is the enforcement level outside FedRAMP High. Under FedRAMP High every rule is mandatory.
	Baseline policyx.EnforcementLevel
	// Types are the resource types Check inspects; for a stack rule, the types whose presence makes
	// it applicable (none: it always applies).
	Types []string
	// Check inspects one resource and returns one fix-it message per problem.
	Check func(r Resource, s Settings) []string
	// CheckStack inspects the whole stack, for rules that span several resources.
	CheckStack func(st *Stack) []Finding
	// Doc is the AWS documentation a deployability rule encodes.
	Doc string
}

// Finding is a stack rule's violation: the resource at fault (empty for the stack) and how to fix it.
type Finding struct {
	URN     string
	Message string
}

// Description is the rule's one line for the engine and reports: controls, then the requirement.
func (r Rule) Description() string {
	return strings.Join(r.Controls, ", ") + ": " + r.Summary
}

// Level is the rule's enforcement level for a stack with the given settings.
func (r Rule) Level(s Settings) policyx.EnforcementLevel {
	if s.FedRAMPHigh() {
		return policyx.EnforcementLevelMandatory
	}
	if r.Baseline == 0 {
		return policyx.EnforcementLevelAdvisory
	}
	return r.Baseline
}

// Catalog lists every rule, family by family, in a stable order.
func Catalog() []Rule {
	var all []Rule
	for _, family := range [][]Rule{
		encryptionRules(), networkRules(), identityRules(), loggingRules(), computeRules(), partitionRules(), deployabilityRules(),
	} {
		all = append(all, family...)
	}
	return all
}

// Lookup finds a rule by name.
func Lookup(name string) (Rule, bool) {
	i := slices.IndexFunc(Catalog(), func(r Rule) bool { return r.Name == name })
	if i < 0 {
		return Rule{}, false
	}
	return Catalog()[i], true
}

// resourceRule builds a resource rule with the common fields.
func resourceRule(family Family, name string, controls []string, summary string, types []string,
	check func(r Resource, s Settings) []string,
) Rule {
	return Rule{Name: name, Family: family, Controls: controls, Summary: summary, Types: types, Check: check}
}

// stackRule builds a stack rule with the common fields.
func stackRule(family Family, name string, controls []string, summary string,
	check func(st *Stack) []Finding,
) Rule {
	return Rule{Name: name, Family: family, Controls: controls, Summary: summary, CheckStack: check}
}

// concerning sets the resource types a stack rule is about.
func concerning(r Rule, t ...string) Rule {
	r.Types = t
	return r
}

// mandatory marks a rule as mandatory in every stack, not only under FedRAMP High.
func mandatory(r Rule) Rule {
	r.Baseline = policyx.EnforcementLevelMandatory
	return r
}

func controls(c ...string) []string { return c }

func types(t ...string) []string { return t }

// msgs collects fix-it messages for the problems that are present.
func msgs(pairs ...problem) []string {
	var out []string
	for _, p := range pairs {
		if p.present {
			out = append(out, p.fix)
		}
	}
	return out
}

type problem struct {
	present bool
	fix     string
}

func when(present bool, format string, args ...any) problem {
	return problem{present: present, fix: fmt.Sprintf(format, args...)}
}
