// Command policypack is a two-rule policy pack for the deploy tool's engine-level tests: one
// mandatory stack rule and one advisory stack rule over the test program's component outputs.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

const siteType = "gatehouse:test:Site"

func main() {
	err := policyx.Main(func(*pulumi.Context) (policyx.PolicyPack, error) {
		return policyx.NewPolicyPack("deploy-test-pack", semver.MustParse("1.0.0"), policyx.EnforcementLevelAdvisory,
			[]policyx.Policy{
				policyx.NewStackValidationPolicy("site-not-public", policyx.StackValidationPolicyArgs{
					Description:      "AC-3: a site must not be public.",
					EnforcementLevel: policyx.EnforcementLevelMandatory,
					ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
						for _, r := range args.Resources {
							if r.Type == siteType && isTrue(r.Properties.Get("public")) {
								args.Manager.ReportViolation("set gatehouse:public to false", r.URN)
							}
						}
						return nil
					},
				}),
				policyx.NewStackValidationPolicy("site-has-owner", policyx.StackValidationPolicyArgs{
					Description:      "PM-10: a site should name its owner.",
					EnforcementLevel: policyx.EnforcementLevelAdvisory,
					ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
						for _, r := range args.Resources {
							if r.Type == siteType && isBlank(r.Properties.Get("owner")) {
								args.Manager.ReportViolation("set gatehouse:owner", r.URN)
							}
						}
						return nil
					},
				}),
			})
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func isTrue(v property.Value) bool  { return v.IsBool() && v.AsBool() }
func isBlank(v property.Value) bool { return !v.IsString() || v.AsString() == "" }
