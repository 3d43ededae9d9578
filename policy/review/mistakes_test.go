package review_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/policy/review"
	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// mistake changes a shipped stack the way a careless edit would.
type mistake struct {
	name string
	rule string
	edit func(t *testing.T, rs []rules.Resource) []rules.Resource
}

// edit rewrites the properties of the first resource of typ whose name ends with suffix.
func edit(typ, suffix string, change func(p resource.PropertyMap)) func(t *testing.T, rs []rules.Resource) []rules.Resource {
	return func(t *testing.T, rs []rules.Resource) []rules.Resource {
		t.Helper()
		out := slices.Clone(rs)
		for i, r := range out {
			if r.Type == typ && strings.HasSuffix(r.Name, suffix) {
				p := resource.ToResourcePropertyMap(r.Properties)
				change(p)
				out[i].Properties = resource.FromResourcePropertyMap(p)
				return out
			}
		}
		t.Fatalf("the stack has no %s named *%s", typ, suffix)
		return nil
	}
}

func drop(typ string) func(t *testing.T, rs []rules.Resource) []rules.Resource {
	return func(t *testing.T, rs []rules.Resource) []rules.Resource {
		t.Helper()
		out := slices.DeleteFunc(slices.Clone(rs), func(r rules.Resource) bool { return r.Type == typ })
		if len(out) == len(rs) {
			t.Fatalf("the stack has no %s", typ)
		}
		return out
	}
}

func add(r rules.Resource) func(t *testing.T, rs []rules.Resource) []rules.Resource {
	return func(t *testing.T, rs []rules.Resource) []rules.Resource { return append(slices.Clone(rs), r) }
}

func str(s string) resource.PropertyValue { return resource.NewStringProperty(s) }

// containers edits every container definition of a task definition.
func containers(change func(c map[string]any)) func(p resource.PropertyMap) {
	return func(p resource.PropertyMap) {
		var defs []map[string]any
		if err := json.Unmarshal([]byte(p["containerDefinitions"].StringValue()), &defs); err != nil {
			panic(err)
		}
		for _, c := range defs {
			change(c)
		}
		b, _ := json.Marshal(defs)
		p["containerDefinitions"] = str(string(b))
	}
}

// TestRulesCatchMistakesInShippedStacks breaks the real program's output one way at a time and
// expects the named rule to refuse it as mandatory.
func TestRulesCatchMistakesInShippedStacks(t *testing.T) {
	root, err := offline.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	const (
		listener  = "aws:lb/listener:Listener"
		bucketSSE = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	)
	govcloud := []mistake{
		{"non-FIPS TLS policy", "alb-tls-policy", edit(listener, "-https", func(p resource.PropertyMap) {
			p["sslPolicy"] = str("ELBSecurityPolicy-TLS13-1-2-2021-06")
		})},
		{"port 80 forwards", "alb-http-redirect", edit(listener, "-http", func(p resource.PropertyMap) {
			p["defaultActions"] = resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{"type": str("forward")})})
		})},
		{"WAF detached", "alb-waf", drop("aws:wafv2/webAclAssociation:WebAclAssociation")},
		{"no flow logs", "vpc-flow-logs", drop("aws:ec2/flowLog:FlowLog")},
		{"ALB log bucket on KMS", "s3-log-bucket-sse-s3", edit(bucketSSE, "-alb-logs", func(p resource.PropertyMap) {
			p["rules"] = resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
				"applyServerSideEncryptionByDefault": resource.NewObjectProperty(resource.PropertyMap{"sseAlgorithm": str("aws:kms")})})})
		})},
		{"writable root filesystem", "ecs-readonly-root-filesystem", edit("aws:ecs/taskDefinition:TaskDefinition", "", containers(func(c map[string]any) {
			c["readonlyRootFilesystem"] = false
		}))},
		{"root user", "ecs-non-root-user", edit("aws:ecs/taskDefinition:TaskDefinition", "", containers(func(c map[string]any) { c["user"] = "0" }))},
		{"public IP", "ecs-service-no-public-ip", edit("aws:ecs/service:Service", "", func(p resource.PropertyMap) {
			p["networkConfiguration"].ObjectValue()["assignPublicIp"] = resource.NewBoolProperty(true)
		})},
		{"PITR off", "dynamodb-pitr", edit("aws:dynamodb/table:Table", "", func(p resource.PropertyMap) { delete(p, "pointInTimeRecovery") })},
		{"short log retention", "log-group-retention", edit("aws:cloudwatch/logGroup:LogGroup", "", func(p resource.PropertyMap) {
			p["retentionInDays"] = resource.NewNumberProperty(30)
		})},
		{"MFA optional", "cognito-mfa", edit("aws:cognito/userPool:UserPool", "", func(p resource.PropertyMap) { p["mfaConfiguration"] = str("OPTIONAL") })},
		{"admin policy", "iam-no-admin-wildcard", edit("aws:iam/rolePolicy:RolePolicy", "-task", func(p resource.PropertyMap) {
			p["policy"] = str(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
		})},
		{"commercial ARN literal", "govcloud-no-commercial-arn", edit("aws:iam/rolePolicy:RolePolicy", "-task", func(p resource.PropertyMap) {
			p["policy"] = str(`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:` + `aws:s3:::bucket/*"}]}`)
		})},
		{"CloudFront in GovCloud", "govcloud-no-cloudfront", add(rules.Resource{Type: "aws:cloudfront/distribution:Distribution", Name: "cdn",
			URN: "urn:pulumi:govcloud::gatehouse::aws:cloudfront/distribution:Distribution::cdn"})},
	}
	expectRefusals(t, root, "govcloud", govcloud)

	const (
		distribution = "aws:cloudfront/distribution:Distribution"
		function     = "aws:lambda/function:Function"
	)
	fedramp := []mistake{
		{"old TLS policy", "cloudfront-tls-1-2-2021", edit(distribution, "", func(p resource.PropertyMap) {
			p["viewerCertificate"].ObjectValue()["minimumProtocolVersion"] = str("TLSv1.2_2019")
		})},
		{"WAF detached", "cloudfront-waf", edit(distribution, "", func(p resource.PropertyMap) { delete(p, "webAclId") })},
		{"Lambda@Edge", "fedramp-no-lambda-edge", edit(distribution, "", func(p resource.PropertyMap) {
			p["defaultCacheBehavior"].ObjectValue()["lambdaFunctionAssociations"] = resource.NewArrayProperty([]resource.PropertyValue{
				resource.NewObjectProperty(resource.PropertyMap{"eventType": str("viewer-request"), "lambdaArn": str("fn:1")})})
		})},
		{"site bucket on SSE-S3", "s3-bucket-sse-kms", edit(bucketSSE, "-site", func(p resource.PropertyMap) {
			p["rules"] = resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
				"applyServerSideEncryptionByDefault": resource.NewObjectProperty(resource.PropertyMap{"sseAlgorithm": str("AES256")})})})
		})},
		{"public access allowed", "s3-bucket-public-access-block", drop("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")},
		{"no tracing", "lambda-tracing", edit(function, "-bff", func(p resource.PropertyMap) {
			p["tracingConfig"] = resource.NewObjectProperty(resource.PropertyMap{"mode": str("PassThrough")})
		})},
		{"client secret in the environment", "lambda-no-plaintext-secrets", edit(function, "-bff", func(p resource.PropertyMap) {
			p["environment"].ObjectValue()["variables"].ObjectValue()["GATEHOUSE_OIDC_CLIENT_SECRET"] = str("s3cr3t")
		})},
		{"unbounded concurrency", "lambda-reserved-concurrency", edit(function, "-bff", func(p resource.PropertyMap) {
			delete(p, "reservedConcurrentExecutions")
		})},
		{"no API access logs", "apigatewayv2-stage-access-logs", edit("aws:apigatewayv2/stage:Stage", "", func(p resource.PropertyMap) {
			delete(p, "accessLogSettings")
		})},
		{"origin verify header removed", "apigatewayv2-route-authorization", edit(distribution, "", func(p resource.PropertyMap) {
			for _, o := range p["origins"].ArrayValue() {
				delete(o.ObjectValue(), "customHeaders")
			}
		})},
		{"threat protection off", "cognito-advanced-security", edit("aws:cognito/userPool:UserPool", "", func(p resource.PropertyMap) {
			delete(p, "userPoolAddOns")
		})},
	}
	expectRefusals(t, root, "fedramp", fedramp)

	dev := []mistake{
		{"public access allowed", "s3-bucket-public-access-block", drop("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")},
		{"public function URL", "lambda-function-url-auth", add(rules.Resource{Type: "aws:lambda/functionUrl:FunctionUrl", Name: "url",
			URN:        "urn:pulumi:dev::gatehouse::aws:lambda/functionUrl:FunctionUrl::url",
			Properties: resource.FromResourcePropertyMap(resource.PropertyMap{"authorizationType": str("NONE")})})},
	}
	expectRefusals(t, root, "dev", dev)
}

func expectRefusals(t *testing.T, root, stack string, mistakes []mistake) {
	t.Helper()
	config, resources, err := review.Load(root, stack)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mistakes {
		t.Run(stack+"/"+m.name, func(t *testing.T) {
			report, err := review.Evaluate(context.Background(), stack, config, m.edit(t, resources))
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(report.Results, func(r review.Result) bool { return r.Rule == m.rule })
			if i < 0 || report.Results[i].Status != "fail" || report.Results[i].Enforcement != "mandatory" || report.Passed() {
				t.Errorf("%s did not refuse the stack: %+v", m.rule, report.Results[i])
			}
		})
	}
}
