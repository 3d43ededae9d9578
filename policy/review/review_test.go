package review_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/policy/review"
	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var update = flag.Bool("update", false, "rewrite the golden report in testdata")

// TestShippedStacksPass reviews every shipped stack file: the real program under mocks, every rule,
// and no mandatory violation.
func TestShippedStacksPass(t *testing.T) {
	root, err := offline.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	shared := []string{"dynamodb-deletion-protection", "cognito-deletion-protection", "kms-key-rotation", "kms-key-policy-no-wildcard-principal", "dynamodb-pitr", "dynamodb-cmk",
		"log-group-cmk", "log-group-retention", "secretsmanager-cmk", "wafv2-web-acl-rules", "wafv2-web-acl-logging",
		"wafv2-logging-redaction", "cognito-mfa", "cognito-password-policy", "iam-no-admin-wildcard",
		"s3-bucket-sse-kms", "s3-log-bucket-sse-s3", "s3-bucket-public-access-block", "s3-bucket-tls-only",
		"s3-bucket-versioning", "s3-bucket-ownership-enforced"}
	edge := append([]string{"cloudfront-tls-1-2-2021", "cloudfront-viewer-https", "cloudfront-origin-https", "cloudfront-waf",
		"cloudfront-origin-access-control", "cloudfront-response-headers-policy", "cloudfront-security-headers",
		"cloudfront-logging", "apigatewayv2-route-authorization", "apigatewayv2-stage-throttling", "apigatewayv2-stage-access-logs", "lambda-tracing",
		"lambda-reserved-concurrency", "lambda-supported-runtime", "lambda-env-kms", "lambda-no-plaintext-secrets", "cognito-advanced-security",
		"s3-bucket-logging"}, shared...)
	regional := append([]string{"alb-tls-policy", "alb-http-redirect", "alb-drop-invalid-headers", "alb-desync-mitigation",
		"alb-deletion-protection", "alb-waf", "alb-access-logs", "vpc-flow-logs", "vpc-default-sg-closed", "vpc-no-world-ingress",
		"ecs-task-awsvpc", "ecs-readonly-root-filesystem", "ecs-not-privileged", "ecs-non-root-user", "ecs-no-plaintext-secrets",
		"ecs-container-logging", "ecs-service-no-public-ip", "ecs-cluster-container-insights", "ecr-immutable-tags",
		"ecr-scan-on-push", "ecr-kms"}, shared...)
	applies := map[string][]string{"dev": edge, "fedramp": edge, "govcloud": regional}
	for _, stack := range []string{"dev", "fedramp", "govcloud"} {
		t.Run(stack, func(t *testing.T) {
			report, err := review.Run(context.Background(), root, stack)
			if err != nil {
				t.Fatal(err)
			}
			for _, res := range report.Results {
				for _, v := range res.Violations {
					if res.Enforcement == "mandatory" {
						t.Errorf("%s (%s) on %s %s: %s", res.Rule, strings.Join(res.Controls, ", "), v.Type, v.Name, v.Message)
					} else {
						t.Logf("advisory: %s on %s %s: %s", res.Rule, v.Type, v.Name, v.Message)
					}
				}
			}
			for _, rule := range applies[stack] {
				i := slices.IndexFunc(report.Results, func(r review.Result) bool { return r.Rule == rule })
				if i < 0 || report.Results[i].Status == "not-applicable" {
					t.Errorf("%s found nothing to judge in stack %s", rule, stack)
				}
			}
			if len(report.Results) != len(rules.Catalog()) {
				t.Errorf("%d results, want one per rule (%d)", len(report.Results), len(rules.Catalog()))
			}
			if len(report.Resources) == 0 || !strings.HasPrefix(report.Diagram, "flowchart") {
				t.Errorf("report has %d resources and diagram %q", len(report.Resources), report.Diagram)
			}
		})
	}
}

type obj = map[string]any

func res(typ, name, parent string, props obj) rules.Resource {
	return rules.Resource{Type: typ, Name: name, URN: "urn:pulumi:review::gatehouse::" + typ + "::" + name, Parent: parent,
		Properties: resource.FromResourcePropertyMap(resource.NewPropertyMapFromMap(props))}
}

// fixtureStack is a small GovCloud stack: a regional component holding an ALB with its listener and
// WAF association, and a table missing point-in-time recovery.
func fixtureStack(extra ...rules.Resource) []rules.Resource {
	const topology = "urn:pulumi:review::gatehouse::gatehouse:regional:RegionalTopology::web"
	lbARN := "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/app/web/1"
	aclARN := "arn:aws-us-gov:wafv2:us-gov-west-1:123456789012:regional/webacl/web/1"
	return append([]rules.Resource{
		res("gatehouse:regional:RegionalTopology", "web", "", obj{"topology": "regional"}),
		res("aws:wafv2/webAcl:WebAcl", "web-waf", topology, obj{"arn": aclARN, "id": "acl0001", "scope": "REGIONAL", "rules": []any{
			obj{"name": "common", "statement": obj{"managedRuleGroupStatement": obj{"name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"}}},
			obj{"name": "rate", "statement": obj{"rateBasedStatement": obj{"limit": 2000, "aggregateKeyType": "IP"}}}}}),
		res("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "web-waf-logging", topology, obj{"resourceArn": aclARN,
			"redactedFields": []any{obj{"singleHeader": obj{"name": "authorization"}}, obj{"singleHeader": obj{"name": "cookie"}}}}),
		res("aws:lb/loadBalancer:LoadBalancer", "web-alb", topology, obj{"arn": lbARN, "id": "alb0001", "dropInvalidHeaderFields": true,
			"desyncMitigationMode": "strictest", "enableDeletionProtection": true, "accessLogs": obj{"bucket": "logs", "enabled": true}}),
		res("aws:lb/listener:Listener", "web-https", topology, obj{"loadBalancerArn": lbARN, "port": 443, "protocol": "HTTPS",
			"sslPolicy": "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", "defaultActions": []any{obj{"type": "forward", "targetGroupArn": "tg"}}}),
		res("aws:wafv2/webAclAssociation:WebAclAssociation", "web-waf-alb", topology, obj{"resourceArn": lbARN, "webAclArn": aclARN}),
		res("aws:dynamodb/table:Table", "sessions", "", obj{"arn": "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/sessions",
			"serverSideEncryption": obj{"enabled": true, "kmsKeyArn": "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/data"}}),
	}, extra...)
}

var govcloudConfig = map[string]string{"aws:region": "us-gov-west-1", "gatehouse:compliance": "fedramp-high"}

// TestGoldenMarkdown pins the Markdown report a pull request shows, for review by a person.
func TestGoldenMarkdown(t *testing.T) {
	report, err := review.Evaluate(context.Background(), "fixture", govcloudConfig, fixtureStack())
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := review.Render(&got, report, review.FormatMarkdown); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "fixture.md")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./policy/review -update to create it)", err)
	}
	if got.String() != string(want) {
		t.Errorf("Markdown report differs from %s (run with -update after reviewing):\n%s", golden, got.String())
	}
}

func TestReportVerdicts(t *testing.T) {
	cdn := res("aws:cloudfront/distribution:Distribution", "cdn", "", obj{"enabled": true})
	for _, c := range []struct {
		name      string
		resources []rules.Resource
		passed    bool
		failing   []string
	}{
		{"fixture misses PITR", fixtureStack(), false, []string{"dynamodb-pitr"}},
		{"GovCloud with CloudFront", fixtureStack(cdn), false, []string{"dynamodb-pitr", "govcloud-no-cloudfront"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			report, err := review.Evaluate(context.Background(), "fixture", govcloudConfig, c.resources)
			if err != nil {
				t.Fatal(err)
			}
			if report.Passed() != c.passed {
				t.Errorf("Passed() = %v, want %v", report.Passed(), c.passed)
			}
			for _, rule := range c.failing {
				i := slices.IndexFunc(report.Results, func(r review.Result) bool { return r.Rule == rule })
				if i < 0 || report.Results[i].Status != "fail" || report.Results[i].Enforcement != "mandatory" {
					t.Errorf("%s should fail as mandatory", rule)
				}
			}
			for _, format := range []string{review.FormatText, review.FormatMarkdown, review.FormatJSON} {
				var out bytes.Buffer
				if err := review.Render(&out, report, format); err != nil {
					t.Fatal(err)
				}
				for _, rule := range c.failing {
					if !strings.Contains(out.String(), rule) {
						t.Errorf("%s report does not name %s", format, rule)
					}
				}
			}
		})
	}
}
