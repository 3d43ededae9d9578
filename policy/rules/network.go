package rules

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// Resource types judged by the network rules.
const (
	typeVPC             = "aws:ec2/vpc:Vpc"
	typeAwsxVPC         = "awsx:ec2:Vpc"
	typeDefaultSG       = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	typeSecurityGroup   = "aws:ec2/securityGroup:SecurityGroup"
	typeSGRule          = "aws:ec2/securityGroupRule:SecurityGroupRule"
	typeSGIngressRule   = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeWebACL          = "aws:wafv2/webAcl:WebAcl"
	typeWebACLLogging   = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
	typeWebACLAssociate = "aws:wafv2/webAclAssociation:WebAclAssociation"
)

func networkRules() []Rule {
	f := FamilyNetwork
	return append([]Rule{
		mandatory(concerning(stackRule(f, "s3-bucket-public-access-block", controls("AC-3", "AC-4", "SC-7"),
			"S3 buckets block all public access (ACLs and policies, new and existing).",
			func(st *Stack) []Finding {
				return eachBucket(st, func(b Resource) string {
					for _, pab := range bucketSettings(st, b, typeBucketPAB) {
						var open []string
						for _, key := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
							if v := prop(pab, key); !isTrue(v) && !unknown(v) {
								open = append(open, key)
							}
						}
						if len(open) == 0 {
							return ""
						}
						return fmt.Sprintf("set %v to true on the bucket's public access block", open)
					}
					return "add an aws.s3.BucketPublicAccessBlock for this bucket with all four settings true"
				})
			}), typeBucketV2, typeBucket)),
		mandatory(concerning(stackRule(f, "s3-bucket-tls-only", controls("SC-8", "SC-8(1)", "AC-17(2)"),
			"S3 bucket policies deny any request made without TLS (aws:SecureTransport false).",
			func(st *Stack) []Finding {
				return eachBucket(st, func(b Resource) string {
					for _, p := range bucketSettings(st, b, typeBucketPolicy) {
						if denyInsecureTransport(prop(p, "policy")) {
							return ""
						}
					}
					if denyInsecureTransport(prop(b, "policy")) {
						return ""
					}
					return "attach an aws.s3.BucketPolicy with a Deny of s3:* for every principal when aws:SecureTransport is \"false\""
				})
			}), typeBucketV2, typeBucket)),
		resourceRule(f, "wafv2-web-acl-rules", controls("SC-5", "SC-7", "SI-4"),
			"WAF web ACLs carry AWS managed rule groups and a rate-based rule.",
			types(typeWebACL), func(r Resource, _ Settings) []string {
				rules := prop(r, "rules")
				if unknown(rules) || set(prop(r, "ruleJson")) {
					return nil
				}
				var managed, rate bool
				for _, rule := range items(rules) {
					managed = managed || set(get(rule, "statement", "managedRuleGroupStatement"))
					rate = rate || set(get(rule, "statement", "rateBasedStatement"))
				}
				return msgs(
					when(!managed, "add AWS managed rule groups (AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet, AWSManagedRulesAmazonIpReputationList)"),
					when(!rate, "add a rate-based rule that blocks a single IP over its request budget"))
			}),
		resourceRule(f, "apigatewayv2-stage-throttling", controls("SC-5", "SC-6"),
			"HTTP API stages throttle requests (burst and rate limits on the default route settings).",
			types(typeStage), func(r Resource, _ Settings) []string {
				s := prop(r, "defaultRouteSettings")
				if unknown(s) {
					return nil
				}
				burst, _ := num(get(s, "throttlingBurstLimit"))
				rate, _ := num(get(s, "throttlingRateLimit"))
				return msgs(when(burst <= 0 || rate <= 0,
					"set defaultRouteSettings throttlingBurstLimit and throttlingRateLimit to the API's budget"))
			}),
		mandatory(concerning(stackRule(f, "vpc-default-sg-closed", controls("AC-4", "SC-7", "SC-7(5)"),
			"Each VPC's default security group is managed and has no ingress or egress rules.",
			checkDefaultSecurityGroups), typeVPC, typeAwsxVPC)),
		mandatory(concerning(stackRule(f, "vpc-no-world-ingress", controls("AC-4", "SC-7", "SC-7(5)", "CM-7"),
			"No security group admits 0.0.0.0/0 or ::/0, except TCP 443 on a load balancer (and 80 where that load balancer only redirects to HTTPS).",
			checkWorldIngress), typeSecurityGroup, typeSGRule, typeSGIngressRule)),
	}, edgeAndALBRules()...)
}

func denyInsecureTransport(policy property.Value) bool {
	if unknown(policy) {
		return true
	}
	doc, _ := jsonDoc(policy)
	for _, s := range statements(doc) {
		if s.deny() && slices.Contains(s.condition("Bool", "aws:SecureTransport"), "false") {
			return true
		}
	}
	return false
}

func vpcs(st *Stack) []Resource { return st.OfType(typeVPC, typeAwsxVPC) }

func checkDefaultSecurityGroups(st *Stack) []Finding {
	var out []Finding
	for _, sg := range st.OfType(typeDefaultSG) {
		if set(prop(sg, "ingress")) || set(prop(sg, "egress")) {
			out = append(out, Finding{URN: sg.URN, Message: "remove every ingress and egress rule from the default security group"})
		}
	}
	for _, vpc := range vpcs(st) {
		if len(st.Referring(vpc, "vpcId", typeDefaultSG)) == 0 {
			out = append(out, Finding{URN: vpc.URN,
				Message: "adopt this VPC's default security group with an aws.ec2.DefaultSecurityGroup that has no rules, so it admits nothing"})
		}
	}
	return out
}

// ingressRule is one ingress permission, whatever resource declared it.
type ingressRule struct {
	owner    Resource
	group    Resource // the security group the rule belongs to; zero when it cannot be resolved
	protocol string
	from, to float64
	cidrs    []string
}

func (i ingressRule) world() bool {
	return slices.Contains(i.cidrs, "0.0.0.0/0") || slices.Contains(i.cidrs, "::/0")
}

func (i ingressRule) onlyPort(port float64) bool {
	return (i.protocol == "tcp" || i.protocol == "6") && i.from == port && i.to == port
}

func ingressRules(st *Stack) []ingressRule {
	var out []ingressRule
	for _, sg := range st.OfType(typeSecurityGroup) {
		for _, in := range items(prop(sg, "ingress")) {
			out = append(out, permission(sg, sg, get(in, "protocol"), get(in, "fromPort"), get(in, "toPort"),
				append(stringList(get(in, "cidrBlocks")), stringList(get(in, "ipv6CidrBlocks"))...)))
		}
	}
	groupOf := func(r Resource, key string) Resource {
		for _, sg := range st.OfType(typeSecurityGroup) {
			if refersTo(r, key, sg) {
				return sg
			}
		}
		return Resource{}
	}
	for _, r := range st.OfType(typeSGRule) {
		if str(prop(r, "type")) == "ingress" {
			out = append(out, permission(r, groupOf(r, "securityGroupId"), prop(r, "protocol"), prop(r, "fromPort"), prop(r, "toPort"),
				append(stringList(prop(r, "cidrBlocks")), stringList(prop(r, "ipv6CidrBlocks"))...)))
		}
	}
	for _, r := range st.OfType(typeSGIngressRule) {
		out = append(out, permission(r, groupOf(r, "securityGroupId"), prop(r, "ipProtocol"), prop(r, "fromPort"), prop(r, "toPort"),
			append(stringList(prop(r, "cidrIpv4")), stringList(prop(r, "cidrIpv6"))...)))
	}
	return out
}

func permission(owner, group Resource, protocol, from, to property.Value, cidrs []string) ingressRule {
	f, _ := num(from)
	t, _ := num(to)
	return ingressRule{owner: owner, group: group, protocol: str(protocol), from: f, to: t, cidrs: cidrs}
}

func checkWorldIngress(st *Stack) []Finding {
	var out []Finding
	for _, rule := range ingressRules(st) {
		if !rule.world() || worldIngressAllowed(st, rule) {
			continue
		}
		out = append(out, Finding{URN: rule.owner.URN, Message: fmt.Sprintf(
			"ingress %s %v-%v from %v is open to the internet: admit only the load balancer's security group, "+
				"or restrict the CIDR", rule.protocol, rule.from, rule.to, rule.cidrs)})
	}
	return out
}

// worldIngressAllowed admits TCP 443 to a load balancer's group, and TCP 80 when that load
// balancer's port-80 listeners only redirect to HTTPS.
func worldIngressAllowed(st *Stack, rule ingressRule) bool {
	if rule.group.URN == "" {
		return false
	}
	for _, lb := range st.Referring(rule.group, "securityGroups", typesLoadBalancer...) {
		if rule.onlyPort(443) {
			return true
		}
		if rule.onlyPort(80) {
			var http, redirecting int
			for _, l := range st.Referring(lb, "loadBalancerArn", typesListener...) {
				if port, _ := num(prop(l, "port")); port == 80 {
					http++
					if redirectsToHTTPS(l) {
						redirecting++
					}
				}
			}
			return http > 0 && http == redirecting
		}
	}
	return false
}
