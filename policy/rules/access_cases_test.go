package rules_test

import "github.com/gatehouse/gatehouse/policy/rules"

const (
	tUserPool   = "aws:cognito/userPool:UserPool"
	tRolePolicy = "aws:iam/rolePolicy:RolePolicy"
	tRole       = "aws:iam/role:Role"
	tFuncURL    = "aws:lambda/functionUrl:FunctionUrl"
	tAPI        = "aws:apigatewayv2/api:Api"
	tRoute      = "aws:apigatewayv2/route:Route"
	tStage      = "aws:apigatewayv2/stage:Stage"
	tCluster    = "aws:ecs/cluster:Cluster"
	tTaskDef    = "aws:ecs/taskDefinition:TaskDefinition"
	tService    = "aws:ecs/service:Service"
)

var goodPool = obj{
	"mfaConfiguration": "ON",
	"passwordPolicy": obj{"minimumLength": 14, "requireLowercase": true, "requireUppercase": true, "requireNumbers": true,
		"requireSymbols": true, "temporaryPasswordValidityDays": 3},
	"userPoolTier":       "PLUS",
	"deletionProtection": "ACTIVE",
	"userPoolAddOns":     obj{"advancedSecurityMode": "ENFORCED"},
}

func iamPolicy(action, resource any) string {
	return jsonText(obj{"Version": "2012-10-17", "Statement": list{obj{"Sid": "S", "Effect": "Allow", "Action": action, "Resource": resource}}})
}

var goodContainer = obj{
	"name": "bff", "image": "repo@sha256:abc", "user": "65532:65532", "readonlyRootFilesystem": true, "privileged": false,
	"environment":      list{obj{"name": "GATEHOUSE_CLIENT_SECRET_ARN", "value": "arn:aws-us-gov:secretsmanager:us-gov-west-1:1:secret:x"}, obj{"name": "LOG_LEVEL", "value": "info"}},
	"secrets":          list{obj{"name": "CLIENT_SECRET", "valueFrom": "arn:aws-us-gov:secretsmanager:us-gov-west-1:1:secret:x"}},
	"logConfiguration": obj{"logDriver": "awslogs", "options": obj{"awslogs-group": "bff"}},
}

func taskDef(container obj) obj {
	return obj{"family": "bff", "networkMode": "awsvpc", "requiresCompatibilities": list{"FARGATE"}, "containerDefinitions": jsonText(list{container})}
}

func accessCases() []ruleCase {
	one := func(rule string, s rules.Settings, typ string, bad, good obj) ruleCase {
		return ruleCase{rule: rule, settings: s, bad: []rules.Resource{res(typ, "bad", bad)}, good: []rules.Resource{res(typ, "good", good)}}
	}
	goodTask := taskDef(goodContainer)
	api := res(tAPI, "api", obj{"id": "api-1", "protocolType": "HTTP", "apiEndpoint": "https://api-1.execute-api.us-east-1.amazonaws.com"})
	openRoute := res(tRoute, "proxy", obj{"apiId": "api-1", "routeKey": "ANY /api/{proxy+}", "authorizationType": "NONE"})
	fronted := with(goodDistribution, "origins", list{goodDistribution["origins"].(list)[0],
		with(goodDistribution["origins"].(list)[1].(obj), "domainName", "api-1.execute-api.us-east-1.amazonaws.com")})
	unverified := with(fronted, "origins", list{goodDistribution["origins"].(list)[0],
		without(fronted["origins"].(list)[1].(obj), "customHeaders")})
	return []ruleCase{
		one("cognito-mfa", fedramp, tUserPool, with(goodPool, "mfaConfiguration", "OPTIONAL"), goodPool),
		one("cognito-mfa", commercial, tUserPool, without(goodPool, "mfaConfiguration"), with(goodPool, "mfaConfiguration", "OPTIONAL")),
		one("cognito-password-policy", fedramp, tUserPool, with(goodPool, "passwordPolicy", obj{"minimumLength": 8}), goodPool),
		one("cognito-advanced-security", fedramp, tUserPool, without(goodPool, "userPoolAddOns"), goodPool),
		{rule: "cognito-advanced-security", settings: govcloud, good: []rules.Resource{res(tUserPool, "bad", with(goodPool, "userPoolAddOns", obj{"advancedSecurityMode": "AUDIT"}))}},
		one("cognito-deletion-protection", fedramp, tUserPool, with(goodPool, "deletionProtection", "INACTIVE"), goodPool),
		one("iam-no-admin-wildcard", commercial, tRolePolicy, obj{"policy": iamPolicy("*", "*")}, obj{"policy": iamPolicy(list{"s3:GetObject"}, list{"arn:aws-us-gov:s3:::site/*"})}),
		one("iam-no-admin-wildcard", commercial, tRole, obj{"inlinePolicies": list{obj{"name": "admin", "policy": iamPolicy("*:*", list{"*"})}}},
			obj{"inlinePolicies": list{obj{"name": "read", "policy": iamPolicy("dynamodb:GetItem", "arn:aws-us-gov:dynamodb:us-gov-west-1:1:table/sessions")}}}),
		one("iam-no-kms-decrypt-wildcard", fedramp, tRolePolicy, obj{"policy": iamPolicy(list{"kms:Decrypt"}, "*")}, obj{"policy": iamPolicy("kms:Decrypt", keyARN)}),
		one("lambda-function-url-auth", commercial, tFuncURL, obj{"functionName": "bff", "authorizationType": "NONE"}, obj{"functionName": "bff", "authorizationType": "AWS_IAM"}),
		{rule: "apigatewayv2-route-authorization", settings: commercial,
			bad:  []rules.Resource{api, openRoute, res(tDistribution, "cdn", unverified)},
			good: []rules.Resource{api, openRoute, res(tDistribution, "cdn", fronted)}},
		{rule: "apigatewayv2-route-authorization", settings: commercial,
			bad:  []rules.Resource{api, openRoute},
			good: []rules.Resource{api, res(tRoute, "proxy", obj{"apiId": "api-1", "routeKey": "ANY /api/{proxy+}", "authorizationType": "JWT", "authorizerId": "a"})}},
		one("ecs-task-awsvpc", fedramp, tTaskDef, with(goodTask, "networkMode", "bridge"), goodTask),
		one("ecs-readonly-root-filesystem", fedramp, tTaskDef, taskDef(without(goodContainer, "readonlyRootFilesystem")), goodTask),
		one("ecs-not-privileged", commercial, tTaskDef, taskDef(with(goodContainer, "privileged", true)), goodTask),
		one("ecs-non-root-user", fedramp, tTaskDef, taskDef(with(goodContainer, "user", "0:0")), goodTask),
		one("ecs-non-root-user", fedramp, tTaskDef, taskDef(without(goodContainer, "user")), goodTask),
		one("ecs-no-plaintext-secrets", fedramp, tTaskDef, taskDef(with(goodContainer, "environment", list{obj{"name": "OIDC_CLIENT_SECRET", "value": "hunter2"}})), goodTask),
		one("ecs-container-logging", fedramp, tTaskDef, taskDef(without(goodContainer, "logConfiguration")), goodTask),
		one("ecs-service-no-public-ip", fedramp, tService, obj{"networkConfiguration": obj{"assignPublicIp": true, "subnets": list{"a"}}},
			obj{"networkConfiguration": obj{"assignPublicIp": false, "subnets": list{"a"}}}),
		one("ecs-cluster-container-insights", fedramp, tCluster, obj{"settings": list{obj{"name": "containerInsights", "value": "disabled"}}},
			obj{"settings": list{obj{"name": "containerInsights", "value": "enabled"}}}),
	}
}

func loggingCases() []ruleCase {
	one := func(rule string, s rules.Settings, typ string, bad, good obj) ruleCase {
		return ruleCase{rule: rule, settings: s, bad: []rules.Resource{res(typ, "bad", bad)}, good: []rules.Resource{res(typ, "good", good)}}
	}
	acl := res(tWebACL, "edge", with(goodACL, "arn", aclARN))
	goodLog := obj{"resourceArn": aclARN, "logDestinationConfigs": list{"arn:aws-us-gov:logs:us-gov-west-1:1:log-group:aws-waf-logs-edge"},
		"redactedFields": list{obj{"singleHeader": obj{"name": "authorization"}}, obj{"singleHeader": obj{"name": "cookie"}}}}
	vpc := res(tVPC, "vpc", obj{"id": "vpc-1"})
	return []ruleCase{
		{rule: "cloudfront-logging", settings: commercial,
			bad:  []rules.Resource{res(tDistribution, "cdn", without(goodDistribution, "loggingConfig"))},
			good: []rules.Resource{res(tDistribution, "cdn", goodDistribution)}},
		{rule: "wafv2-web-acl-logging", settings: commercial, bad: []rules.Resource{acl}, good: []rules.Resource{acl, res(tWebACLLog, "edge-logs", goodLog)}},
		one("wafv2-logging-redaction", commercial, tWebACLLog, with(goodLog, "redactedFields", list{obj{"singleHeader": obj{"name": "authorization"}}}), goodLog),
		one("apigatewayv2-stage-throttling", commercial, tStage, obj{"apiId": "api-1", "defaultRouteSettings": obj{"throttlingBurstLimit": 0}},
			obj{"apiId": "api-1", "defaultRouteSettings": obj{"throttlingBurstLimit": 100, "throttlingRateLimit": 50}}),
		one("apigatewayv2-stage-access-logs", commercial, tStage, obj{"apiId": "api-1", "name": "$default"},
			obj{"apiId": "api-1", "name": "$default", "accessLogSettings": obj{"destinationArn": "arn:aws-us-gov:logs:us-gov-west-1:1:log-group:api", "format": "{}"}}),
		one("alb-access-logs", commercial, tLB, with(goodLB, "accessLogs", obj{"bucket": "logs", "enabled": false}), goodLB),
		{rule: "vpc-flow-logs", settings: govcloud, bad: []rules.Resource{vpc},
			good: []rules.Resource{vpc, res(tFlowLog, "flow", obj{"vpcId": "vpc-1", "trafficType": "ALL", "logDestination": "arn:aws-us-gov:logs:us-gov-west-1:1:log-group:flow"})}},
	}
}
