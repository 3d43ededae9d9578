package rules

import (
	"context"
	"slices"
	"sync"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// PackName is the policy pack's name as the engine and reports show it.
const PackName = "gatehouse-fedramp"

// PackVersion is the policy pack's version.
var PackVersion = semver.MustParse("1.0.0")

// Pack turns the catalog into engine policies for one stack.
type Pack struct {
	stack Settings

	mu sync.Mutex
	// configured holds partition/compliance from policy config. The engine hands policy config to
	// resource rules only, so what they see is kept here for the stack rules.
	configured Settings
}

// NewPack prepares the rules for a stack whose configuration yields the given settings.
func NewPack(stack Settings) *Pack {
	return &Pack{stack: stack.withDefaults()}
}

// Settings are the stack-level settings enforcement levels are derived from.
func (p *Pack) Settings() Settings { return p.stack }

// PolicyPack builds the engine's policy pack.
func (p *Pack) PolicyPack() (policyx.PolicyPack, error) {
	return policyx.NewPolicyPack(PackName, PackVersion, policyx.EnforcementLevelMandatory, p.Policies())
}

// Policies adapts every rule in the catalog to a policyx policy.
func (p *Pack) Policies() []policyx.Policy {
	var out []policyx.Policy
	for _, rule := range Catalog() {
		out = append(out, p.policy(rule))
	}
	return out
}

func (p *Pack) policy(rule Rule) policyx.Policy {
	if rule.CheckStack != nil {
		return policyx.NewStackValidationPolicy(rule.Name, policyx.StackValidationPolicyArgs{
			Description:      rule.Description(),
			EnforcementLevel: rule.Level(p.stack),
			ConfigSchema:     configSchema(),
			ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
				st := NewStack(args.Resources, p.stackSettings(args.Resources))
				for _, f := range rule.CheckStack(st) {
					args.Manager.ReportViolation(f.Message, f.URN)
				}
				return nil
			},
		})
	}
	return policyx.NewResourceValidationPolicy(rule.Name, policyx.ResourceValidationPolicyArgs{
		Description:      rule.Description(),
		EnforcementLevel: rule.Level(p.stack),
		ConfigSchema:     configSchema(),
		ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
			configured := settingsFromPolicyConfig(args.Config)
			p.remember(configured)
			if !slices.Contains(rule.Types, args.Resource.Type) {
				return nil
			}
			s := configured.merge(Settings{Partition: PartitionOfRegion(providerRegion(args.Resource))})
			for _, msg := range rule.Check(args.Resource, s.merge(p.stack).withDefaults()) {
				args.Manager.ReportViolation(msg, "")
			}
			return nil
		},
	})
}

// remember records the policy config settings a resource rule was given, for the stack rules.
func (p *Pack) remember(s Settings) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.configured = p.configured.merge(s)
}

// stackSettings resolves settings for stack rules: policy config, then what the resources say
// (provider regions, the stack's own component), then the stack configuration.
func (p *Pack) stackSettings(resources []Resource) Settings {
	p.mu.Lock()
	s := p.configured
	p.mu.Unlock()
	return s.merge(inferSettings(resources)).merge(p.stack).withDefaults()
}

// inferSettings reads the partition and compliance from the resources themselves: a Gatehouse
// component that declares them, else the region of the providers.
func inferSettings(resources []Resource) Settings {
	var s Settings
	for _, r := range resources {
		if isGatehouseComponent(r) {
			s = s.merge(Settings{Partition: str(prop(r, "partition")), Compliance: str(prop(r, "compliance"))})
		}
	}
	for _, r := range resources {
		if s.Partition != "" {
			break
		}
		s.Partition = PartitionOfRegion(providerRegion(r))
	}
	return s
}

// configSchema lets policy config set the partition and the compliance level.
func configSchema() *policyx.ConfigSchema {
	return &policyx.ConfigSchema{Properties: map[string]map[string]any{
		"partition": {
			"type":        "string",
			"enum":        []any{PartitionCommercial, PartitionGovCloud},
			"description": "AWS partition of the stack; inferred from the provider region when absent.",
		},
		"compliance": {
			"type":        "string",
			"enum":        []any{ComplianceNone, ComplianceFedRAMPModerate, ComplianceFedRAMPHigh},
			"description": "Compliance baseline; fedramp-high in GovCloud when absent.",
		},
	}}
}
