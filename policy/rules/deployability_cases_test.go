package rules_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/policy/rules"
)

const (
	tLifecycle  = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tObject     = "aws:s3/bucketObjectv2:BucketObjectv2"
	tTrustStore = "aws:lb/trustStore:TrustStore"
	tEndpoint   = "aws:ec2/vpcEndpoint:VpcEndpoint"
	tRule       = "aws:lb/listenerRule:ListenerRule"
)

func dependingOn(r rules.Resource, on ...rules.Resource) rules.Resource {
	for _, o := range on {
		r.Dependencies = append(r.Dependencies, o.URN)
	}
	return r
}

func fargateTask(arch string) rules.Resource {
	return res(tTaskDef, "bff", obj{"family": "bff", "networkMode": "awsvpc",
		"runtimePlatform": obj{"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"}})
}

func endpointPolicy(statements ...any) string {
	return jsonText(obj{"Version": "2012-10-17", "Statement": list(statements)})
}

var onlyThisAccount = obj{"Effect": "Allow", "Principal": obj{"AWS": "*"}, "Action": "*", "Resource": "*",
	"Condition": obj{"StringEquals": obj{"aws:PrincipalAccount": "111122223333"}}}

func layerBucket(partition, region string) obj {
	return obj{"Effect": "Allow", "Principal": obj{"AWS": "*"}, "Action": list{"s3:GetObject"},
		"Resource": list{"arn:" + partition + ":s3:::prod-" + region + "-starport-layer-bucket/*"}}
}

func s3Gateway(policy string) rules.Resource {
	return res(tEndpoint, "s3", obj{"serviceName": "com.amazonaws.us-gov-west-1.s3", "vpcEndpointType": "Gateway", "policy": policy})
}

func bffFunction(routes string) rules.Resource {
	return res(tFunction, "bff", obj{"runtime": "provided.al2023", "environment": obj{"variables": obj{"GATEHOUSE_ROUTES": routes}}})
}

func reserving(n int) rules.Resource {
	return res(tFunction, "bff", obj{"runtime": "provided.al2023", "reservedConcurrentExecutions": n})
}

func coreRuleSet(overrides ...any) obj {
	group := obj{"name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"}
	if len(overrides) > 0 {
		group["ruleActionOverrides"] = list(overrides)
	}
	return obj{"name": "AWSManagedRulesCommonRuleSet", "priority": 1, "overrideAction": obj{"none": obj{}},
		"statement": obj{"managedRuleGroupStatement": group}}
}

var countBodySize = obj{"name": "SizeRestrictions_BODY", "actionToUse": obj{"count": obj{}}}

func bodyLimitRule(route string, size int) obj {
	return obj{"name": "BodyOverLimit-" + route, "priority": 5, "action": obj{"block": obj{}},
		"statement": obj{"andStatement": obj{"statements": list{
			obj{"byteMatchStatement": obj{"positionalConstraint": "STARTS_WITH", "searchString": "/api/" + route + "/", "fieldToMatch": obj{"uriPath": obj{}}}},
			obj{"sizeConstraintStatement": obj{"comparisonOperator": "GT", "size": size, "fieldToMatch": obj{"body": obj{"oversizeHandling": "MATCH"}}}},
		}}}}
}

func webACL(rulesList ...any) rules.Resource {
	return res(tWebACL, "waf", obj{"scope": "REGIONAL", "rules": list(rulesList)})
}

func trustStoreStack(objectWaits bool) []rules.Resource {
	bucket := res(tBucket, "ca", obj{"bucket": "ca-bucket"})
	versioning := res(tVersioning, "ca-versioning", obj{"bucket": "ca-bucket", "versioningConfiguration": obj{"status": "Enabled"}})
	object := res(tObject, "ca-bundle", obj{"bucket": "ca-bucket", "key": "ca-bundle.pem"})
	if objectWaits {
		object = dependingOn(object, versioning)
	}
	store := res(tTrustStore, "store", obj{"name": "store", "caCertificatesBundleS3Bucket": "ca-bucket", "caCertificatesBundleS3Key": "ca-bundle.pem"})
	return []rules.Resource{bucket, versioning, object, store}
}

func mtlsStack(backchannelDefault obj, ruleConditions list) []rules.Resource {
	verify := with(goodHTTPS, "arn", lbARN+"/https", "mutualAuthentication", obj{"mode": "verify", "trustStoreArn": "ts"})
	backchannel := with(goodHTTPS, "arn", lbARN+"/backchannel", "port", 8443, "defaultActions", list{backchannelDefault})
	out := []rules.Resource{res(tLB, "alb", goodLB), res(tListener, "https", verify), res(tListener, "backchannel", backchannel)}
	if ruleConditions != nil {
		out = append(out, res(tRule, "backchannel", obj{"listenerArn": lbARN + "/backchannel", "priority": 1,
			"actions": list{obj{"type": "forward", "targetGroupArn": "tg"}}, "conditions": ruleConditions}))
	}
	return out
}

var (
	notFound      = obj{"type": "fixed-response", "fixedResponse": obj{"contentType": "application/json", "statusCode": "404"}}
	backchannelOn = list{obj{"pathPattern": obj{"values": list{rules.BackchannelLogoutPath}}}, obj{"httpRequestMethod": obj{"values": list{"POST"}}}}
)

// deployabilityCases are the deployability rules' fixtures; each names the documentation it encodes.
func deployabilityCases() []ruleCase {
	routes := `[{"name":"records","upstream":"https://records.example.gov"}]`
	small := `[{"name":"records","upstream":"https://records.example.gov","maxBodyBytes":1024}]`
	optedIn := rules.Settings{Partition: rules.PartitionCommercial, Compliance: rules.ComplianceNone, ReservationsOptedIn: true, LambdaConcurrencyQuota: 1000}
	smallQuota := optedIn
	smallQuota.LambdaConcurrencyQuota = 120
	return []ruleCase{
		{rule: "aws-name-limits", settings: commercial, doc: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
			bad:  []rules.Resource{res(tLB, "alb", with(goodLB, "name", "gatehouse-agency-case-management-prod-east-alb-1a2b3c4"))},
			good: []rules.Resource{res(tLB, "alb", with(goodLB, "name", "gatehouse-agency-ca-alb-29eb8135"))}},
		{rule: "aws-name-limits", settings: commercial, doc: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
			bad:  []rules.Resource{res(tBucket, "site", obj{"bucket": "gatehouse-Team_Alpha-site"})},
			good: []rules.Resource{res(tBucket, "site", obj{"bucket": "gatehouse-team-alpha-site-0f3a9c21"})}},
		{rule: "aws-name-limits", settings: commercial, doc: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
			bad:  []rules.Resource{res("aws:kms/alias:Alias", "data", obj{"name": "alias/gatehouse-team.alpha-data"})},
			good: []rules.Resource{res("aws:kms/alias:Alias", "data", obj{"name": "alias/gatehouse-team-alpha-data-0f3a9c21"})}},
		{rule: "aws-name-limits", settings: commercial, doc: "https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html",
			bad:  []rules.Resource{res("aws:cognito/userPoolDomain:UserPoolDomain", "domain", obj{"domain": "my-cognito-app"})},
			good: []rules.Resource{res("aws:cognito/userPoolDomain:UserPoolDomain", "domain", obj{"domain": "gatehouse-dev-identity-0f3a9c21"})}},
		{rule: "fargate-fips-x86-64", settings: govcloud, doc: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-fips-compliance.html",
			bad: []rules.Resource{fargateTask("ARM64")}, good: []rules.Resource{fargateTask("X86_64")}},
		{rule: "fargate-fips-x86-64", settings: fedramp, doc: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-fips-compliance.html",
			good: []rules.Resource{fargateTask("ARM64")}}, // FIPS mode exists in GovCloud only
		{rule: "lambda-reservation-within-quota", settings: commercial, doc: "https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html",
			bad: []rules.Resource{reserving(50)}, good: []rules.Resource{bffFunction(routes)}},
		{rule: "lambda-reservation-within-quota", settings: smallQuota, doc: "https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html",
			bad: []rules.Resource{reserving(50)}, good: []rules.Resource{reserving(20)}},
		{rule: "lambda-reservation-within-quota", settings: optedIn, doc: "https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html",
			good: []rules.Resource{reserving(50)}},
		{rule: "s3-lifecycle-filter-explicit", settings: commercial, doc: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html#intro-lifecycle-rules-filter",
			bad:  []rules.Resource{res(tLifecycle, "logs", obj{"bucket": "logs", "rules": list{obj{"id": "retention", "status": "Enabled", "filter": obj{}}}})},
			good: []rules.Resource{res(tLifecycle, "logs", obj{"bucket": "logs", "rules": list{obj{"id": "retention", "status": "Enabled", "filter": obj{"prefix": ""}}}})}},
		{rule: "trust-store-bundle-versioned", settings: govcloud, doc: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTrustStore.html",
			bad: trustStoreStack(false), good: trustStoreStack(true)},
		{rule: "vpc-endpoint-ecr-layer-bucket", settings: govcloud, doc: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-setting-up-s3-gateway",
			bad:  []rules.Resource{fargateTask("X86_64"), s3Gateway(endpointPolicy(onlyThisAccount))},
			good: []rules.Resource{fargateTask("X86_64"), s3Gateway(endpointPolicy(onlyThisAccount, layerBucket("aws-us-gov", "us-gov-west-1")))}},
		{rule: "vpc-endpoint-ecr-layer-bucket", settings: govcloud, doc: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-setting-up-s3-gateway",
			bad:  []rules.Resource{fargateTask("X86_64"), s3Gateway(endpointPolicy(onlyThisAccount, layerBucket("aws", "us-gov-west-1")))},
			good: []rules.Resource{fargateTask("X86_64"), s3Gateway("")}},
		{rule: "waf-body-limit-within-route-limits", settings: commercial, doc: "https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html",
			bad:  []rules.Resource{bffFunction(routes), webACL(coreRuleSet())},
			good: []rules.Resource{bffFunction(routes), webACL(coreRuleSet(countBodySize))}},
		{rule: "waf-body-limit-within-route-limits", settings: commercial, doc: "https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html",
			bad:  []rules.Resource{bffFunction(routes), webACL(coreRuleSet(countBodySize), bodyLimitRule("records", 1024))},
			good: []rules.Resource{bffFunction(small), webACL(coreRuleSet(countBodySize), bodyLimitRule("records", 1024))}},
		{rule: "alb-mtls-no-bypass", settings: govcloud,
			bad:  mtlsStack(obj{"type": "forward", "targetGroupArn": "tg"}, nil),
			good: mtlsStack(notFound, backchannelOn)},
		{rule: "alb-mtls-no-bypass", settings: govcloud,
			bad: mtlsStack(notFound, list{obj{"pathPattern": obj{"values": list{"/auth/*"}}}})},
	}
}

// TestDeployabilityFixturesNameTheirDocumentation: each fixture says which AWS documentation it
// encodes, and the rule names the same kind of source.
func TestDeployabilityFixturesNameTheirDocumentation(t *testing.T) {
	for _, c := range deployabilityCases() {
		r, ok := rules.Lookup(c.rule)
		if !ok {
			t.Fatalf("no rule %q", c.rule)
		}
		if r.Family != rules.FamilyDeployability {
			continue
		}
		if !strings.HasPrefix(c.doc, "https://docs.aws.amazon.com/") {
			t.Errorf("a %s fixture names no AWS documentation", c.rule)
		}
	}
}
