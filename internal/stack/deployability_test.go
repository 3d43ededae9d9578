package stack

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/components"
	"github.com/gatehouse/gatehouse/components/names"
	"github.com/gatehouse/gatehouse/internal/offline"
)

// deployStacks are the shipped stack files, and the same files under names
// and in regions they were not written for: a 32-character stack name, one
// with a dot and capitals, and edge stacks outside us-east-1.
var deployStacks = []struct {
	name, file, stack string
	overrides         map[string]string
}{
	{name: "dev", file: "dev", stack: "dev"},
	{name: "fedramp", file: "fedramp", stack: "fedramp"},
	{name: "govcloud", file: "govcloud", stack: "govcloud"},
	{name: "32-character name, regional", file: "govcloud", stack: "agency-case-management-prod-east"},
	{name: "32-character name, edge", file: "fedramp", stack: "agency-case-management-prod-east"},
	{name: "dot and capitals", file: "dev", stack: "Team.Alpha_2"},
	{name: "edge outside us-east-1", file: "dev", stack: "dev-west", overrides: map[string]string{"aws:region": "us-west-2"}},
	{name: "fedramp edge in us-east-2", file: "fedramp", stack: "fedramp-east2", overrides: map[string]string{"aws:region": "us-east-2"}},
}

func runDeployStack(t *testing.T, file, stack string, overrides map[string]string) *offline.Mocks {
	t.Helper()
	root, err := offline.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]string{key("spaDist"): "internal/artifacts/testdata/dist"}
	for k, v := range overrides {
		all[k] = v
	}
	m, err := offline.RunStackFileAs(root, "gatehouse", file, stack, all, Deploy)
	if err != nil {
		t.Fatalf("stack %s (file %s) under mocks: %v", stack, file, err)
	}
	return m
}

// TestStacksAWSWouldAccept checks, for each stack, the properties a real
// `pulumi up` depends on that mocks would otherwise accept whatever they are.
func TestStacksAWSWouldAccept(t *testing.T) {
	for _, tc := range deployStacks {
		t.Run(tc.name, func(t *testing.T) {
			m := runDeployStack(t, tc.file, tc.stack, tc.overrides)
			cfg, err := offline.LoadStackConfig(fmt.Sprintf("../../Pulumi.%s.yaml", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.overrides {
				cfg[k] = v
			}
			region := cfg["aws:region"]
			regional := cfg["gatehouse:topology"] == TopologyRegional
			prefix := "gatehouse-" + tc.stack

			t.Run("every name fits its limit", func(t *testing.T) {
				for _, r := range m.Resources() {
					rule, ok := names.Lookup(r.Type)
					if !ok {
						continue
					}
					name := offline.GetString(r.Outputs, rule.Property)
					if problems := rule.Check(name); len(problems) > 0 || name == "" {
						t.Errorf("%s %s: %s %q: %v", r.Type, r.Name, rule.Property, name, problems)
					}
				}
			})

			t.Run("the Cognito domain prefix is unique to the account", func(t *testing.T) {
				domain := offline.GetString(only(t, m, "aws:cognito/userPoolDomain:UserPoolDomain").Inputs, "domain")
				acct := &components.Account{Partition: components.PartitionForRegion(region), AccountID: m.AccountID, Region: region}
				if want := components.DefaultDomainPrefix(acct, prefix+"-identity"); domain != want {
					t.Errorf("domain prefix %q, want %q", domain, want)
				}
			})

			t.Run("the user pool's schema and tier", func(t *testing.T) {
				pool := only(t, m, "aws:cognito/userPool:UserPool").Inputs
				schemas, _ := offline.Get(pool, "schemas")
				if !strings.Contains(fmt.Sprint(schemas), "piv_id") {
					t.Errorf("custom:piv_id is not declared: %v", schemas)
				}
				tier, advanced := offline.GetString(pool, "userPoolTier"), offline.GetString(pool, "userPoolAddOns.advancedSecurityMode")
				fedrampCommercial := cfg["gatehouse:compliance"] == "fedramp-high" && !strings.HasPrefix(region, "us-gov-")
				if fedrampCommercial && (tier != "PLUS" || advanced != "ENFORCED") || !fedrampCommercial && (tier != "ESSENTIALS" || advanced != "") {
					t.Errorf("tier %q, threat protection %q", tier, advanced)
				}
			})

			t.Run("the web ACL lets route bodies through", func(t *testing.T) {
				acl := only(t, m, "aws:wafv2/webAcl:WebAcl").Inputs
				rules := fmt.Sprint(acl["rules"])
				if !strings.Contains(rules, components.CoreRuleSetBodySizeRule) || !strings.Contains(rules, "count") ||
					!strings.Contains(rules, components.CoreRuleSetBodySizeLabel) {
					t.Errorf("SizeRestrictions_BODY is not counted and re-blocked by label: %s", rules)
				}
			})

			t.Run("lifecycle rules name their filter", func(t *testing.T) {
				for _, lc := range m.ByType("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2") {
					if v, ok := offline.Get(lc.Inputs, "rules[0].filter.prefix"); !ok || !v.IsString() {
						t.Errorf("%s: lifecycle rule without an explicit filter: %v", lc.Name, lc.Inputs["rules"])
					}
				}
			})

			if regional {
				return
			}
			t.Run("edge: reservations only when the stack opts in", func(t *testing.T) {
				want := cfg["gatehouse:reservedConcurrency"]
				for _, fn := range m.ByType("aws:lambda/function:Function") {
					v, _ := offline.Get(fn.Inputs, "reservedConcurrentExecutions")
					if reserved := v.IsNumber(); reserved != (want != "") {
						t.Errorf("%s: reserved %v, but the stack sets reservedConcurrency %q", fn.Name, v, want)
					}
				}
			})
			t.Run("edge: CloudFront-scoped resources in us-east-1, the rest in the stack's region", func(t *testing.T) {
				for _, r := range m.Resources() {
					global := strings.HasPrefix(r.Type, "aws:cloudfront/") || r.Type == "aws:wafv2/webAcl:WebAcl" ||
						r.Type == "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration" || strings.HasSuffix(r.Name, "-waf-logs")
					if !r.Custom || r.Type == "pulumi:providers:aws" {
						continue
					}
					got := m.RegionOf(r)
					switch {
					case global && got != "us-east-1":
						t.Errorf("%s %s is in %s; CloudFront-scoped resources live in us-east-1", r.Type, r.Name, got)
					case !global && strings.HasPrefix(r.Type, "aws:lambda/") && got != region:
						t.Errorf("%s %s is in %s, want the stack's %s", r.Type, r.Name, got, region)
					}
				}
				wafLogs := findByName(t, m, "aws:cloudwatch/logGroup:LogGroup", "-waf-logs")
				if key := offline.GetString(wafLogs.Inputs, "kmsKeyId"); !strings.Contains(key, ":kms:us-east-1:") {
					t.Errorf("the WAF log group is encrypted with %s; a key in us-east-1 is needed there", key)
				}
			})
		})
	}
}
