package rules

import (
	"fmt"
	"strings"
)

// commercialARN is the prefix of an ARN in the commercial partition; in GovCloud it points at
// nothing, so every ARN must be built from the partition looked up at run time.
const commercialARN = "arn:" + "aws:"

func partitionRules() []Rule {
	gov := func(name string, c []string, summary string, check func(st *Stack) []Finding) Rule {
		return mandatory(stackRule(FamilyPartition, name, c, summary, func(st *Stack) []Finding {
			if !st.Settings.GovCloud() {
				return nil
			}
			return check(st)
		}))
	}
	fedramp := func(name string, c []string, summary string, check func(st *Stack) []Finding) Rule {
		return mandatory(stackRule(FamilyPartition, name, c, summary, func(st *Stack) []Finding {
			if !st.Settings.FedRAMPHigh() {
				return nil
			}
			return check(st)
		}))
	}
	return []Rule{
		gov("govcloud-no-cloudfront", controls("SA-9", "SC-7", "CM-7"),
			"aws-us-gov has no CloudFront: GovCloud stacks use the regional topology (Route 53 → ALB + WAF → Fargate).",
			func(st *Stack) []Finding {
				out := typePrefixFindings(st, "aws:cloudfront/", "CloudFront does not exist in aws-us-gov: use topology \"regional\"")
				for _, r := range st.Resources {
					if isGatehouseComponent(r) && edgeTopology(r) {
						out = append(out, Finding{URN: r.URN, Message: "the edge topology needs CloudFront, which aws-us-gov lacks: set topology \"regional\""})
					}
				}
				return out
			}),
		gov("govcloud-no-lambda-edge", controls("SA-9", "SC-7", "CM-7"),
			"aws-us-gov has no Lambda@Edge.",
			func(st *Stack) []Finding {
				return edgeAssociations(st, "lambdaFunctionAssociations", "Lambda@Edge does not exist in aws-us-gov")
			}),
		gov("govcloud-no-cloudfront-functions", controls("SA-9", "SC-7", "CM-7"),
			"aws-us-gov has no CloudFront Functions.",
			func(st *Stack) []Finding {
				out := typePrefixFindings(st, "aws:cloudfront/function:", "CloudFront Functions do not exist in aws-us-gov: move the logic into the BFF")
				return append(out, edgeAssociations(st, "functionAssociations", "CloudFront Functions do not exist in aws-us-gov")...)
			}),
		gov("govcloud-no-apprunner", controls("SA-9", "CM-7"),
			"aws-us-gov has no App Runner.",
			func(st *Stack) []Finding {
				return typePrefixFindings(st, "aws:apprunner/", "App Runner does not exist in aws-us-gov: run the container on ECS Fargate behind the ALB")
			}),
		gov("govcloud-no-amplify", controls("SA-9", "CM-7"),
			"aws-us-gov has no Amplify Hosting.",
			func(st *Stack) []Finding {
				return typePrefixFindings(st, "aws:amplify/", "Amplify Hosting does not exist in aws-us-gov: serve the SPA from the Fargate task")
			}),
		gov("govcloud-no-lambda-function-url", controls("SA-9", "SC-7", "AC-3"),
			"aws-us-gov stacks use no Lambda function URLs; the API is served through the ALB or API Gateway.",
			func(st *Stack) []Finding {
				return typePrefixFindings(st, typeFunctionURL, "Lambda function URLs are not offered in aws-us-gov: use API Gateway or the ALB")
			}),
		gov("govcloud-no-commercial-arn", controls("CM-6", "SA-9"),
			"GovCloud stacks contain no literal commercial-partition ARNs; ARNs are built from the partition.",
			func(st *Stack) []Finding {
				var out []Finding
				for _, r := range st.Resources {
					var keys []string
					for key, v := range r.Properties.All {
						hit := false
						visitStrings(v, func(s string) { hit = hit || strings.Contains(s, commercialARN) })
						if hit {
							keys = append(keys, key)
						}
					}
					if len(keys) > 0 {
						out = append(out, Finding{URN: r.URN, Message: fmt.Sprintf(
							"properties %v hold a %q ARN, which points nowhere in aws-us-gov: build ARNs from the partition looked up at run time", keys, commercialARN)})
					}
				}
				return out
			}),
		fedramp("fedramp-no-apprunner", controls("SA-9", "CA-3"),
			"App Runner is authorized at FedRAMP Moderate only; FedRAMP High stacks do not use it.",
			func(st *Stack) []Finding {
				return typePrefixFindings(st, "aws:apprunner/", "App Runner is not FedRAMP High authorized: run the container on ECS Fargate")
			}),
		fedramp("fedramp-no-amplify-hosting", controls("SA-9", "CA-3"),
			"Amplify Hosting is authorized at FedRAMP Moderate only; FedRAMP High stacks do not use it.",
			func(st *Stack) []Finding {
				return typePrefixFindings(st, "aws:amplify/", "Amplify Hosting is not FedRAMP High authorized: host the SPA on S3 behind CloudFront")
			}),
		fedramp("fedramp-no-lambda-edge", controls("SA-9", "SC-7", "CA-3"),
			"FedRAMP High stacks keep Lambda@Edge out of the authorization boundary; edge logic stays in the regional BFF.",
			func(st *Stack) []Finding {
				return edgeAssociations(st, "lambdaFunctionAssociations", "Lambda@Edge runs in every edge region, outside the boundary")
			}),
	}
}

func typePrefixFindings(st *Stack, prefix, message string) []Finding {
	var out []Finding
	for _, r := range st.Resources {
		if strings.HasPrefix(r.Type, prefix) {
			out = append(out, Finding{URN: r.URN, Message: message})
		}
	}
	return out
}

// edgeAssociations reports distributions whose behaviors attach edge code under key.
func edgeAssociations(st *Stack, key, why string) []Finding {
	var out []Finding
	for _, d := range st.OfType(typeDistribution) {
		for _, b := range cacheBehaviors(d) {
			if set(get(b, key)) {
				out = append(out, Finding{URN: d.URN, Message: fmt.Sprintf("%s: remove %s from the cache behaviors", why, key)})
				break
			}
		}
	}
	return out
}

// edgeTopology recognizes a Gatehouse component that is, or declares, the edge topology.
func edgeTopology(r Resource) bool {
	typeName := r.Type[strings.LastIndex(r.Type, ":")+1:]
	return strings.Contains(strings.ToLower(typeName), "edge") || str(prop(r, "topology")) == "edge"
}
