package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The Core Rule Set's body-size rule, its label, and what WAF can see of a
// body. SizeRestrictions_BODY blocks every body over 8 KB, while the BFF's
// routes accept 1 MiB by default
// (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html).
// WAF inspects at most the first 8 KB of a body behind an ALB and 16 KB by
// default behind CloudFront; a larger body is "oversize" and cannot be
// measured (https://docs.aws.amazon.com/waf/latest/APIReference/API_Body.html).
const (
	coreRuleSet              = "AWSManagedRulesCommonRuleSet"
	CoreRuleSetBodySizeRule  = "SizeRestrictions_BODY"
	CoreRuleSetBodySizeLabel = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
	// ApiPathPrefix is where the BFF's routes live; only there do bodies
	// over 8 KB have a purpose.
	ApiPathPrefix = "/api/"
)

// WafBodyInspectionLimit is how many body bytes WAF sees at a scope.
func WafBodyInspectionLimit(scope string) int64 {
	if scope == WafScopeCloudFront {
		return 16 << 10
	}
	return 8 << 10 // Application Load Balancer: fixed
}

// bodyRules keep WAF from blocking a body its route accepts and block
// what no route accepts: bodies the Core Rule Set labels as over 8 KB
// outside /api/*, and, on a route whose own limit is below what WAF can
// inspect, bodies over that limit. A route limit above the inspection limit
// is enforced by the BFF alone. The caller sets priority and visibility.
func bodyRules(scope string, routes []WafRoute) []wafv2.WebAclRuleArgs {
	out := []wafv2.WebAclRuleArgs{{
		Name:   pulumi.String("BodyOver8KBOutsideApi"),
		Action: wafv2.WebAclRuleActionArgs{Block: wafv2.WebAclRuleActionBlockArgs{}},
		Statement: and(
			wafv2.WebAclRuleStatementArgs{LabelMatchStatement: wafv2.WebAclRuleStatementLabelMatchStatementArgs{
				Scope: pulumi.String("LABEL"), Key: pulumi.String(CoreRuleSetBodySizeLabel),
			}},
			wafv2.WebAclRuleStatementArgs{NotStatement: wafv2.WebAclRuleStatementNotStatementArgs{
				Statements: wafv2.WebAclRuleStatementArray{uriPath("STARTS_WITH", ApiPathPrefix)},
			}},
		),
	}}
	limit := WafBodyInspectionLimit(scope)
	for _, r := range routes {
		if r.MaxBodyBytes >= limit {
			continue
		}
		out = append(out, wafv2.WebAclRuleArgs{
			Name:   pulumi.String("BodyOverLimit-" + r.Name),
			Action: wafv2.WebAclRuleActionArgs{Block: wafv2.WebAclRuleActionBlockArgs{}},
			Statement: and(
				wafv2.WebAclRuleStatementArgs{OrStatement: wafv2.WebAclRuleStatementOrStatementArgs{
					Statements: wafv2.WebAclRuleStatementArray{
						uriPath("EXACTLY", ApiPathPrefix+r.Name),
						uriPath("STARTS_WITH", ApiPathPrefix+r.Name+"/"),
					},
				}},
				wafv2.WebAclRuleStatementArgs{SizeConstraintStatement: wafv2.WebAclRuleStatementSizeConstraintStatementArgs{
					ComparisonOperator: pulumi.String("GT"),
					Size:               pulumi.Int(int(r.MaxBodyBytes)),
					FieldToMatch: wafv2.WebAclRuleStatementSizeConstraintStatementFieldToMatchArgs{
						Body: wafv2.WebAclRuleStatementSizeConstraintStatementFieldToMatchBodyArgs{OversizeHandling: pulumi.String("MATCH")},
					},
					TextTransformations: wafv2.WebAclRuleStatementSizeConstraintStatementTextTransformationArray{
						wafv2.WebAclRuleStatementSizeConstraintStatementTextTransformationArgs{Priority: pulumi.Int(0), Type: pulumi.String("NONE")},
					},
				}},
			),
		})
	}
	return out
}

func and(statements ...wafv2.WebAclRuleStatementInput) wafv2.WebAclRuleStatementArgs {
	return wafv2.WebAclRuleStatementArgs{AndStatement: wafv2.WebAclRuleStatementAndStatementArgs{
		Statements: wafv2.WebAclRuleStatementArray(statements),
	}}
}

func uriPath(constraint, path string) wafv2.WebAclRuleStatementArgs {
	return wafv2.WebAclRuleStatementArgs{ByteMatchStatement: wafv2.WebAclRuleStatementByteMatchStatementArgs{
		PositionalConstraint: pulumi.String(constraint),
		SearchString:         pulumi.String(path),
		FieldToMatch:         wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchArgs{UriPath: wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchUriPathArgs{}},
		// Decoded and normalized first, so /api/%2e%2e/auth is not taken for an /api/ path.
		TextTransformations: wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArray{
			wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArgs{Priority: pulumi.Int(0), Type: pulumi.String("URL_DECODE")},
			wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArgs{Priority: pulumi.Int(1), Type: pulumi.String("NORMALIZE_PATH")},
		},
	}}
}
