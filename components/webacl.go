package components

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// WAF scopes.
const (
	WafScopeCloudFront = "CLOUDFRONT"
	WafScopeRegional   = "REGIONAL"
)

// DefaultWafRateLimit is requests per 5 minutes per client IP.
const DefaultWafRateLimit = 2000

// managedRuleGroups are the AWS managed groups every Gatehouse ACL carries
// (SI-3, SI-4, SC-5): common web exploits, known bad inputs, IP reputation.
var managedRuleGroups = []string{
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesAmazonIpReputationList",
}

// WebAclArgs configures the web ACL.
type WebAclArgs struct {
	// Scope is CLOUDFRONT (the caller passes a us-east-1 provider) or REGIONAL
	// (ALB, API Gateway). Required.
	Scope string
	// RateLimit is the per-IP limit over 5 minutes before requests are blocked.
	// Defaults to 2000.
	RateLimit int
	// LogKeyArn is the log CMK for the WAF log group. Required.
	LogKeyArn pulumi.StringInput
	// LogRetentionDays is the WAF log retention. Defaults to 365.
	LogRetentionDays int
	// Routes are the BFF's /api/<name>/ routes and their request-body
	// limits, so the ACL never blocks a body its route accepts (see
	// bodyRules). Defaults to none.
	Routes []WafRoute
}

// WafRoute is one BFF route as the web ACL sees it.
type WafRoute struct {
	// Name is the route: requests under /api/<Name>/. Required.
	Name string
	// MaxBodyBytes is the route's request-body limit. Required.
	MaxBodyBytes int64
}

// WebAcl is a WAFv2 web ACL with managed rule groups, a rate-based rule and
// logging (with the Authorization header and cookies redacted, so logs never
// hold credentials).
type WebAcl struct {
	pulumi.ResourceState

	Acl     *wafv2.WebAcl
	Arn, Id pulumi.StringOutput
}

func (a *WebAclArgs) validate() error {
	var errs []error
	if a.Scope != WafScopeCloudFront && a.Scope != WafScopeRegional {
		errs = append(errs, fmt.Errorf("Scope %q must be %s or %s", a.Scope, WafScopeCloudFront, WafScopeRegional))
	}
	if a.RateLimit < 100 || a.RateLimit > 2_000_000_000 {
		errs = append(errs, fmt.Errorf("RateLimit %d must be between 100 and 2000000000 requests per 5 minutes", a.RateLimit))
	}
	if a.LogKeyArn == nil {
		errs = append(errs, errors.New("LogKeyArn is required: WAF logs are encrypted with the log CMK"))
	}
	for _, r := range a.Routes {
		if !edgeRouteName.MatchString(r.Name) || r.MaxBodyBytes < 1 {
			errs = append(errs, fmt.Errorf("route %q with body limit %d: name a route by lowercase letters, digits and dashes, with a positive limit", r.Name, r.MaxBodyBytes))
		}
	}
	return joinErrors("web ACL", errs)
}

var metricNameUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// NewWebAcl creates the ACL, its log group and its logging configuration.
func NewWebAcl(ctx *pulumi.Context, name string, args *WebAclArgs, opts ...pulumi.ResourceOption) (*WebAcl, error) {
	if args == nil {
		args = &WebAclArgs{}
	}
	a := *args
	if a.RateLimit == 0 {
		a.RateLimit = DefaultWafRateLimit
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	w := &WebAcl{}
	if err := ctx.RegisterComponentResource("gatehouse:security:WebAcl", name, w, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(w)
	metric := metricNameUnsafe.ReplaceAllString(name, "-")

	visibility := func(metricName string) wafv2.WebAclRuleVisibilityConfigArgs {
		return wafv2.WebAclRuleVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(metricName),
			SampledRequestsEnabled:   pulumi.Bool(true),
		}
	}
	rules := wafv2.WebAclRuleArray{}
	for i, group := range managedRuleGroups {
		statement := wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
			VendorName: pulumi.String("AWS"),
			Name:       pulumi.String(group),
		}
		if group == coreRuleSet {
			// Counted, not blocked: bodyRules re-block by its label where no
			// route accepts larger bodies.
			statement.RuleActionOverrides = wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArray{
				wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs{
					Name: pulumi.String(CoreRuleSetBodySizeRule),
					ActionToUse: wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs{
						Count: wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs{},
					},
				},
			}
		}
		rules = append(rules, wafv2.WebAclRuleArgs{
			Name:             pulumi.String(group),
			Priority:         pulumi.Int(i + 1),
			OverrideAction:   wafv2.WebAclRuleOverrideActionArgs{None: wafv2.WebAclRuleOverrideActionNoneArgs{}},
			Statement:        wafv2.WebAclRuleStatementArgs{ManagedRuleGroupStatement: statement},
			VisibilityConfig: visibility(metric + "-" + group),
		})
	}
	for _, r := range bodyRules(a.Scope, a.Routes) {
		r.Priority = pulumi.Int(len(rules) + 1)
		r.VisibilityConfig = visibility(metric + "-" + string(r.Name.(pulumi.String)))
		rules = append(rules, r)
	}
	rules = append(rules, wafv2.WebAclRuleArgs{
		Name:     pulumi.String("RateLimitPerIP"),
		Priority: pulumi.Int(len(rules) + 1),
		Action:   wafv2.WebAclRuleActionArgs{Block: wafv2.WebAclRuleActionBlockArgs{}},
		Statement: wafv2.WebAclRuleStatementArgs{
			RateBasedStatement: wafv2.WebAclRuleStatementRateBasedStatementArgs{
				Limit:            pulumi.Int(a.RateLimit),
				AggregateKeyType: pulumi.String("IP"),
			},
		},
		VisibilityConfig: visibility(metric + "-rate-limit"),
	})

	acl, err := wafv2.NewWebAcl(ctx, name, &wafv2.WebAclArgs{
		Name:          physicalName(typeWebAcl, name),
		Scope:         pulumi.String(a.Scope),
		Description:   pulumi.String("Gatehouse web ACL: AWS managed rules and a per-IP rate limit"),
		DefaultAction: wafv2.WebAclDefaultActionArgs{Allow: wafv2.WebAclDefaultActionAllowArgs{}},
		Rules:         rules,
		VisibilityConfig: wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			MetricName:               pulumi.String(metric),
			SampledRequestsEnabled:   pulumi.Bool(true),
		},
	}, child)
	if err != nil {
		return nil, fmt.Errorf("components: web ACL %s: %w", name, err)
	}

	// WAF only delivers to log groups whose name starts with aws-waf-logs-.
	logs, err := NewLogGroup(ctx, name+"-logs", &LogGroupArgs{
		Name:          "aws-waf-logs-" + name,
		KmsKeyArn:     a.LogKeyArn,
		RetentionDays: a.LogRetentionDays,
	}, child)
	if err != nil {
		return nil, err
	}
	redact := func(header string) wafv2.WebAclLoggingConfigurationRedactedFieldInput {
		return wafv2.WebAclLoggingConfigurationRedactedFieldArgs{
			SingleHeader: wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String(header)},
		}
	}
	if _, err := wafv2.NewWebAclLoggingConfiguration(ctx, name+"-logging", &wafv2.WebAclLoggingConfigurationArgs{
		ResourceArn:           acl.Arn,
		LogDestinationConfigs: pulumi.StringArray{logs.Arn},
		RedactedFields:        wafv2.WebAclLoggingConfigurationRedactedFieldArray{redact("authorization"), redact("cookie")},
	}, child); err != nil {
		return nil, fmt.Errorf("components: web ACL logging %s: %w", name, err)
	}

	w.Acl, w.Arn, w.Id = acl, acl.Arn, acl.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(w, pulumi.Map{"arn": w.Arn, "id": w.Id}); err != nil {
		return nil, err
	}
	return w, nil
}
