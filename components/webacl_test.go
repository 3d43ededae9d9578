package components

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/internal/offline"
)

// TestWebAclLetsRoutesTakeTheirBodies reads the web ACL's rules on both
// scopes: the Core Rule Set's 8 KB body rule only counts, bodies it labels
// are blocked outside /api/*, and a route whose limit WAF can see gets its
// own rule at that limit.
func TestWebAclLetsRoutesTakeTheirBodies(t *testing.T) {
	routes := []WafRoute{{Name: "records", MaxBodyBytes: 2048}, {Name: "uploads", MaxBodyBytes: 10 << 10}, {Name: "cases", MaxBodyBytes: 1 << 20}}
	for _, tc := range []struct {
		scope      string
		routeRules []string
	}{
		// WAF sees 8 KB of a body behind an ALB, 16 KB behind CloudFront.
		{WafScopeRegional, []string{"BodyOverLimit-records"}},
		{WafScopeCloudFront, []string{"BodyOverLimit-records", "BodyOverLimit-uploads"}},
	} {
		t.Run(tc.scope, func(t *testing.T) {
			m := offline.ForRegion("us-east-1")
			if err := runProgram(t, m, func(ctx *pulumi.Context) error {
				_, err := NewWebAcl(ctx, "gatehouse-dev-waf", &WebAclArgs{Scope: tc.scope, LogKeyArn: pulumi.String("arn:aws:kms:us-east-1:123456789012:key/l"), Routes: routes})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			acl := only(t, m, "aws:wafv2/webAcl:WebAcl").Inputs
			byName := map[string]resource.PropertyMap{}
			var order []string
			v, _ := offline.Get(acl, "rules")
			for _, r := range v.ArrayValue() {
				rule := r.ObjectValue()
				byName[offline.GetString(rule, "name")] = rule
				order = append(order, offline.GetString(rule, "name"))
			}
			crs := byName[coreRuleSet]
			if offline.GetString(crs, "statement.managedRuleGroupStatement.ruleActionOverrides[0].name") != CoreRuleSetBodySizeRule ||
				!has(crs, "statement.managedRuleGroupStatement.ruleActionOverrides[0].actionToUse.count") {
				t.Errorf("SizeRestrictions_BODY is not overridden to count: %v", crs)
			}
			outside := byName["BodyOver8KBOutsideApi"]
			if !has(outside, "action.block") ||
				offline.GetString(outside, "statement.andStatement.statements[0].labelMatchStatement.key") != CoreRuleSetBodySizeLabel ||
				offline.GetString(outside, "statement.andStatement.statements[1].notStatement.statements[0].byteMatchStatement.searchString") != ApiPathPrefix {
				t.Errorf("oversize bodies outside /api/* are not blocked by the label: %v", outside)
			}
			if indexOf(order, "BodyOver8KBOutsideApi") < indexOf(order, coreRuleSet) {
				t.Errorf("the label rule runs before the rule set that labels: %v", order)
			}
			var got []string
			for _, name := range order {
				if strings.HasPrefix(name, "BodyOverLimit-") {
					got = append(got, name)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.routeRules, ",") {
				t.Errorf("route rules %v, want %v", got, tc.routeRules)
			}
			records := byName["BodyOverLimit-records"]
			if size, _ := offline.Get(records, "statement.andStatement.statements[1].sizeConstraintStatement.size"); !size.IsNumber() || size.NumberValue() != 2048 ||
				offline.GetString(records, "statement.andStatement.statements[0].orStatement.statements[1].byteMatchStatement.searchString") != "/api/records/" {
				t.Errorf("records is not held to its own 2048-byte limit: %v", records)
			}
		})
	}
}

func has(props resource.PropertyMap, path string) bool {
	v, ok := offline.Get(props, path)
	return ok && !v.IsNull()
}

func indexOf(list []string, s string) int {
	for i, e := range list {
		if e == s {
			return i
		}
	}
	return -1
}
