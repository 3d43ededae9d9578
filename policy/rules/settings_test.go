package rules_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

func TestStackSettings(t *testing.T) {
	for _, c := range []struct {
		name   string
		config map[string]string
		want   rules.Settings
	}{
		{"govcloud region implies fedramp-high", map[string]string{"aws:region": "us-gov-west-1"}, govcloud},
		{"commercial defaults to none", map[string]string{"aws:region": "us-east-1"}, commercial},
		{"configured compliance", map[string]string{"aws:region": "us-east-1", "gatehouse:compliance": "fedramp-high"}, fedramp},
		{"explicit partition wins", map[string]string{"aws:region": "us-east-1", "gatehouse:partition": "aws-us-gov"}, govcloud},
		{"nothing configured", map[string]string{}, commercial},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := rules.StackSettings(c.config); got != c.want {
				t.Errorf("StackSettings(%v) = %+v, want %+v", c.config, got, c.want)
			}
		})
	}
}

// TestSettingsResolution shows where a rule gets its partition from: policy config first, then
// the region of the resource's provider, then the stack's configuration.
func TestSettingsResolution(t *testing.T) {
	pool := res(tUserPool, "pool", without(goodPool, "userPoolAddOns"))
	inGovCloud := pool
	inGovCloud.Provider = policyx.AnalyzerProviderResource{Type: "pulumi:providers:aws",
		Properties: resource.FromResourcePropertyMap(resource.NewPropertyMapFromMap(map[string]any{"region": "us-gov-west-1"}))}
	for _, c := range []struct {
		name     string
		stack    rules.Settings
		resource rules.Resource
		config   map[string]any
		fires    bool
	}{
		{"commercial stack, default provider", fedramp, pool, nil, true},
		{"provider region says GovCloud", fedramp, inGovCloud, nil, false},
		{"policy config says GovCloud", fedramp, pool, map[string]any{"partition": "aws-us-gov"}, false},
		{"policy config says commercial", govcloud, inGovCloud, map[string]any{"partition": "aws"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []finding
			for _, p := range rules.NewPack(c.stack).Policies() {
				if p.Name() != "cognito-advanced-security" {
					continue
				}
				m := collector{rule: p, findings: &got}
				err := p.(policyx.ResourceValidationPolicy).Validate(context.Background(),
					policyx.ResourceValidationArgs{Manager: m, Resource: c.resource, Config: c.config})
				if err != nil {
					t.Fatal(err)
				}
			}
			if fires := len(got) > 0; fires != c.fires {
				t.Errorf("fired = %v, want %v (%v)", fires, c.fires, got)
			}
		})
	}
}

func TestEnforcementLevels(t *testing.T) {
	rule, _ := rules.Lookup("alb-deletion-protection")
	if rule.Level(commercial) != policyx.EnforcementLevelAdvisory {
		t.Errorf("alb-deletion-protection should be advisory outside FedRAMP High")
	}
	if rule.Level(fedramp) != policyx.EnforcementLevelMandatory || rule.Level(govcloud) != policyx.EnforcementLevelMandatory {
		t.Errorf("alb-deletion-protection should be mandatory under FedRAMP High and in GovCloud")
	}
	for _, name := range []string{"govcloud-no-cloudfront", "s3-bucket-public-access-block", "iam-no-admin-wildcard"} {
		if r, _ := rules.Lookup(name); r.Level(commercial) != policyx.EnforcementLevelMandatory {
			t.Errorf("%s should be mandatory in every stack", name)
		}
	}
}
