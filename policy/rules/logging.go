package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Resource types judged by the logging rules.
const (
	typeFlowLog           = "aws:ec2/flowLog:FlowLog"
	typeLogDeliverySource = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
	typeCluster           = "aws:ecs/cluster:Cluster"
)

// minimumRetentionDays is the FedRAMP High audit-record retention kept online (AU-11).
const minimumRetentionDays = 365

func loggingRules() []Rule {
	f := FamilyLogging
	return []Rule{
		concerning(stackRule(f, "s3-bucket-logging", controls("AU-2", "AU-3", "AU-12"),
			"S3 buckets (other than the access-log buckets themselves) send server access logs to a log bucket.",
			func(st *Stack) []Finding {
				return eachBucket(st, func(b Resource) string {
					if isLogBucket(st, b) || len(bucketSettings(st, b, typeBucketLogging)) > 0 ||
						set(prop(b, "loggings")) || set(prop(b, "logging")) {
						return ""
					}
					return fmt.Sprintf("add an aws.s3.BucketLoggingV2 for this bucket whose targetBucket is a bucket tagged %s=%s",
						LogBucketTagKey, LogBucketTagValue)
				})
			}), typeBucketV2, typeBucket),
		concerning(stackRule(f, "cloudfront-logging", controls("AU-2", "AU-12", "SI-4"),
			"CloudFront distributions write access logs (standard logging to S3, or a log delivery source).",
			func(st *Stack) []Finding {
				var out []Finding
				for _, d := range st.OfType(typeDistribution) {
					if set(prop(d, "loggingConfig", "bucket")) || len(st.Referring(d, "resourceArn", typeLogDeliverySource)) > 0 {
						continue
					}
					out = append(out, Finding{URN: d.URN, Message: "set loggingConfig.bucket to an access-log bucket, or add an aws.cloudwatch.LogDeliverySource for the distribution"})
				}
				return out
			}), typeDistribution),
		concerning(stackRule(f, "wafv2-web-acl-logging", controls("AU-2", "AU-12", "SI-4"),
			"Every WAF web ACL has a logging configuration.",
			func(st *Stack) []Finding {
				var out []Finding
				for _, acl := range st.OfType(typeWebACL) {
					if len(st.Referring(acl, "resourceArn", typeWebACLLogging)) == 0 {
						out = append(out, Finding{URN: acl.URN, Message: "add an aws.wafv2.WebAclLoggingConfiguration for this web ACL to an aws-waf-logs-* log group"})
					}
				}
				return out
			}), typeWebACL),
		resourceRule(f, "wafv2-logging-redaction", controls("AU-3(3)", "SC-28", "AU-9"),
			"WAF logs redact the authorization and cookie headers so that tokens and sessions never reach the logs.",
			types(typeWebACLLogging), func(r Resource, _ Settings) []string {
				fields := prop(r, "redactedFields")
				if unknown(fields) {
					return nil
				}
				var redacted []string
				for _, field := range items(fields) {
					redacted = append(redacted, strings.ToLower(str(get(field, "singleHeader", "name"))))
				}
				var missing []string
				for _, h := range []string{"authorization", "cookie"} {
					if !slices.Contains(redacted, h) {
						missing = append(missing, h)
					}
				}
				return msgs(when(len(missing) > 0, "add redactedFields singleHeader %v", missing))
			}),
		resourceRule(f, "apigatewayv2-stage-access-logs", controls("AU-2", "AU-3", "AU-12"),
			"HTTP API stages write access logs to a log group.",
			types(typeStage), func(r Resource, _ Settings) []string {
				s := prop(r, "accessLogSettings")
				return msgs(when(!unknown(s) && (!set(get(s, "destinationArn")) || !set(get(s, "format"))),
					"set accessLogSettings with destinationArn (a log group ARN) and a JSON format"))
			}),
		resourceRule(f, "alb-access-logs", controls("AU-2", "AU-12", "SI-4"),
			"Application load balancers write access logs to an S3 bucket.",
			typesLoadBalancer, albCheck(func(r Resource, _ Settings) []string {
				logs := prop(r, "accessLogs")
				if unknown(logs) {
					return nil
				}
				enabled := get(logs, "enabled")
				return msgs(when(!set(get(logs, "bucket")) || (enabled.IsBool() && !enabled.AsBool()),
					"set accessLogs: {bucket: <an SSE-S3 log bucket>, enabled: true}"))
			})),
		concerning(stackRule(f, "vpc-flow-logs", controls("AU-2", "AU-12", "SI-4", "SC-7"),
			"Every VPC records flow logs of all traffic.",
			func(st *Stack) []Finding {
				var out []Finding
				for _, vpc := range vpcs(st) {
					ok := false
					for _, fl := range st.Referring(vpc, "vpcId", typeFlowLog) {
						t := prop(fl, "trafficType")
						ok = ok || unknown(t) || str(t) == "ALL"
					}
					if !ok {
						out = append(out, Finding{URN: vpc.URN, Message: "add an aws.ec2.FlowLog for this VPC with trafficType \"ALL\""})
					}
				}
				return out
			}), typeVPC, typeAwsxVPC),
		resourceRule(f, "log-group-retention", controls("AU-11", "SI-12"),
			fmt.Sprintf("CloudWatch log groups set a retention: at least %d days under FedRAMP.", minimumRetentionDays),
			types(typeLogGroup), func(r Resource, s Settings) []string {
				v := prop(r, "retentionInDays")
				if unknown(v) {
					return nil
				}
				days, ok := num(v)
				if !ok || days == 0 {
					return []string{"set retentionInDays explicitly"}
				}
				return msgs(when(s.FedRAMP() && days < minimumRetentionDays,
					"retentionInDays is %v: keep FedRAMP audit records at least %d days", days, minimumRetentionDays))
			}),
		resourceRule(f, "ecs-cluster-container-insights", controls("AU-12", "SI-4", "CA-7"),
			"ECS clusters have Container Insights enabled.",
			types(typeCluster), func(r Resource, _ Settings) []string {
				for _, s := range items(prop(r, "settings")) {
					if str(get(s, "name")) == "containerInsights" {
						v := get(s, "value")
						if unknown(v) || str(v) == "enabled" || str(v) == "enhanced" {
							return nil
						}
					}
				}
				return []string{"add settings [{name: \"containerInsights\", value: \"enabled\"}]"}
			}),
		resourceRule(f, "lambda-tracing", controls("AU-12", "SI-4"),
			"Lambda functions have active X-Ray tracing.",
			types(typeFunction), func(r Resource, _ Settings) []string {
				v := prop(r, "tracingConfig", "mode")
				return msgs(when(!unknown(v) && str(v) != "Active", "set tracingConfig: {mode: \"Active\"}"))
			}),
	}
}
