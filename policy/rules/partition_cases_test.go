package rules_test

import "github.com/gatehouse/gatehouse/policy/rules"

func partitionCases() []ruleCase {
	cdn := res(tDistribution, "cdn", goodDistribution)
	edgeFn := res(tDistribution, "cdn", with(goodDistribution, "defaultCacheBehavior",
		behavior("lambdaFunctionAssociations", list{obj{"eventType": "viewer-request", "lambdaArn": "fn:1"}})))
	cfFn := res(tDistribution, "cdn", with(goodDistribution, "defaultCacheBehavior",
		behavior("functionAssociations", list{obj{"eventType": "viewer-request", "functionArn": "fn"}})))
	alb := res(tLB, "alb", goodLB)
	runner := res("aws:apprunner/service:Service", "bff", obj{"serviceName": "bff"})
	amplify := res("aws:amplify/app:App", "spa", obj{"name": "spa"})
	return []ruleCase{
		{rule: "govcloud-no-cloudfront", settings: govcloud, bad: []rules.Resource{cdn}, good: []rules.Resource{alb}},
		{rule: "govcloud-no-cloudfront", settings: govcloud,
			bad:  []rules.Resource{res("gatehouse:stack:Topology", "stack", obj{"partition": "aws-us-gov", "topology": "edge"})},
			good: []rules.Resource{res("gatehouse:stack:Topology", "stack", obj{"partition": "aws-us-gov", "topology": "regional"})}},
		{rule: "govcloud-no-cloudfront", settings: govcloud, bad: []rules.Resource{res("gatehouse:edge:EdgeTopology", "edge", obj{})}},
		{rule: "govcloud-no-cloudfront", settings: commercial, good: []rules.Resource{cdn}},
		{rule: "govcloud-no-lambda-edge", settings: govcloud, bad: []rules.Resource{edgeFn}, good: []rules.Resource{alb}},
		{rule: "govcloud-no-cloudfront-functions", settings: govcloud, bad: []rules.Resource{cfFn}, good: []rules.Resource{alb}},
		{rule: "govcloud-no-cloudfront-functions", settings: govcloud, bad: []rules.Resource{res("aws:cloudfront/function:Function", "rewrite", obj{"runtime": "cloudfront-js-2.0"})}},
		{rule: "govcloud-no-apprunner", settings: govcloud, bad: []rules.Resource{runner}, good: []rules.Resource{alb}},
		{rule: "govcloud-no-amplify", settings: govcloud, bad: []rules.Resource{amplify}, good: []rules.Resource{alb}},
		{rule: "govcloud-no-lambda-function-url", settings: govcloud,
			bad: []rules.Resource{res(tFuncURL, "url", obj{"functionName": "bff", "authorizationType": "AWS_IAM"})}, good: []rules.Resource{alb}},
		{rule: "govcloud-no-commercial-arn", settings: govcloud,
			bad:  []rules.Resource{res(tRolePolicy, "p", obj{"policy": iamPolicy("s3:GetObject", "arn:"+"aws:s3:::site/*")})},
			good: []rules.Resource{res(tRolePolicy, "p", obj{"policy": iamPolicy("s3:GetObject", "arn:aws-us-gov:s3:::site/*")})}},
		{rule: "fedramp-no-apprunner", settings: fedramp, bad: []rules.Resource{runner}, good: []rules.Resource{alb}},
		{rule: "fedramp-no-apprunner", settings: commercial, good: []rules.Resource{runner}},
		{rule: "fedramp-no-amplify-hosting", settings: fedramp, bad: []rules.Resource{amplify}, good: []rules.Resource{cdn}},
		{rule: "fedramp-no-lambda-edge", settings: fedramp, bad: []rules.Resource{edgeFn}, good: []rules.Resource{cdn}},
	}
}
