package rules_test

import "github.com/gatehouse/gatehouse/policy/rules"

const (
	tDistribution = "aws:cloudfront/distribution:Distribution"
	tHeaders      = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
	tWebACL       = "aws:wafv2/webAcl:WebAcl"
	tWebACLLog    = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
	tWebACLAssoc  = "aws:wafv2/webAclAssociation:WebAclAssociation"
	tLB           = "aws:lb/loadBalancer:LoadBalancer"
	tListener     = "aws:lb/listener:Listener"
	tVPC          = "aws:ec2/vpc:Vpc"
	tDefaultSG    = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	tSG           = "aws:ec2/securityGroup:SecurityGroup"
	tIngressRule  = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tFlowLog      = "aws:ec2/flowLog:FlowLog"
	lbARN         = "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:111122223333:loadbalancer/app/web/1"
	aclARN        = "arn:aws-us-gov:wafv2:us-gov-west-1:111122223333:regional/webacl/web/1"
)

func behavior(extra ...any) obj {
	return with(obj{"targetOriginId": "site", "viewerProtocolPolicy": "redirect-to-https", "responseHeadersPolicyId": "rhp-1"}, extra...)
}

var goodDistribution = obj{
	"webAclId":          "arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge/1",
	"viewerCertificate": obj{"acmCertificateArn": "arn:aws:acm:us-east-1:111122223333:certificate/1", "minimumProtocolVersion": "TLSv1.2_2021", "sslSupportMethod": "sni-only"},
	"loggingConfig":     obj{"bucket": "logs.s3.amazonaws.com"},
	"origins": list{
		obj{"originId": "site", "domainName": "site.s3.us-east-1.amazonaws.com", "originAccessControlId": "oac-1"},
		obj{"originId": "api", "domainName": "abc.execute-api.us-east-1.amazonaws.com",
			"customOriginConfig": obj{"originProtocolPolicy": "https-only", "originSslProtocols": list{"TLSv1.2"}, "httpPort": 80, "httpsPort": 443},
			"customHeaders":      list{obj{"name": rules.OriginVerifyHeader, "value": "s3cr3t"}}},
	},
	"defaultCacheBehavior":  behavior(),
	"orderedCacheBehaviors": list{behavior("pathPattern", "/api/*", "targetOriginId", "api")},
}

var goodHeaders = obj{"securityHeadersConfig": obj{
	"strictTransportSecurity": obj{"accessControlMaxAgeSec": 63072000, "includeSubdomains": true, "override": true},
	"contentSecurityPolicy":   obj{"contentSecurityPolicy": "default-src 'self'", "override": true},
	"contentTypeOptions":      obj{"override": true},
	"frameOptions":            obj{"frameOption": "DENY", "override": true},
	"referrerPolicy":          obj{"referrerPolicy": "no-referrer", "override": true},
}}

var goodACL = obj{"scope": "REGIONAL", "rules": list{
	obj{"name": "common", "statement": obj{"managedRuleGroupStatement": obj{"name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"}}},
	obj{"name": "rate", "statement": obj{"rateBasedStatement": obj{"limit": 1000, "aggregateKeyType": "IP"}}},
}}

var goodLB = obj{"loadBalancerType": "application", "dropInvalidHeaderFields": true, "desyncMitigationMode": "strictest",
	"enableDeletionProtection": true, "accessLogs": obj{"bucket": "logs", "enabled": true}, "securityGroups": list{"sg-alb"}, "arn": lbARN}

var (
	goodHTTPS = obj{"loadBalancerArn": lbARN, "port": 443, "protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
		"defaultActions": list{obj{"type": "forward", "targetGroupArn": "tg"}}}
	goodHTTP = obj{"loadBalancerArn": lbARN, "port": 80, "protocol": "HTTP",
		"defaultActions": list{obj{"type": "redirect", "redirect": obj{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}}}
)

// regional is a load balancer with its listeners, WAF association and security group.
func regional(lb, https, http obj, ingress ...any) []rules.Resource {
	return []rules.Resource{
		res(tLB, "alb", lb), res(tListener, "https", https), res(tListener, "http", http),
		res(tWebACLAssoc, "alb-waf", obj{"resourceArn": lbARN, "webAclArn": aclARN}),
		res(tSG, "alb-sg", obj{"id": "sg-alb", "ingress": list(ingress)}),
	}
}

func worldOn(port int) obj {
	return obj{"protocol": "tcp", "fromPort": port, "toPort": port, "cidrBlocks": list{"0.0.0.0/0"}}
}

func networkCases() []ruleCase {
	dist := func(rule string, s rules.Settings, bad obj) ruleCase {
		return ruleCase{rule: rule, settings: s, bad: []rules.Resource{res(tDistribution, "bad", bad)}, good: []rules.Resource{res(tDistribution, "good", goodDistribution)}}
	}
	one := func(rule string, s rules.Settings, typ string, bad, good obj) ruleCase {
		return ruleCase{rule: rule, settings: s, bad: []rules.Resource{res(typ, "bad", bad)}, good: []rules.Resource{res(typ, "good", good)}}
	}
	origins := goodDistribution["origins"].(list)
	apiOrigin := origins[1].(obj)
	vpc := res(tVPC, "vpc", obj{"id": "vpc-1", "cidrBlock": "10.0.0.0/16"})
	goodRegional := regional(goodLB, goodHTTPS, goodHTTP, worldOn(443), worldOn(80))
	return []ruleCase{
		dist("cloudfront-tls-1-2-2021", fedramp, with(goodDistribution, "viewerCertificate", obj{"cloudfrontDefaultCertificate": true})),
		dist("cloudfront-tls-1-2-2021", fedramp, with(goodDistribution, "viewerCertificate", obj{"acmCertificateArn": "c", "minimumProtocolVersion": "TLSv1.2_2019"})),
		dist("cloudfront-viewer-https", commercial, with(goodDistribution, "orderedCacheBehaviors", list{behavior("viewerProtocolPolicy", "allow-all")})),
		dist("cloudfront-origin-https", commercial, with(goodDistribution, "origins", list{origins[0],
			with(apiOrigin, "customOriginConfig", obj{"originProtocolPolicy": "match-viewer", "originSslProtocols": list{"TLSv1", "TLSv1.2"}})})),
		dist("cloudfront-waf", commercial, without(goodDistribution, "webAclId")),
		dist("cloudfront-origin-access-control", commercial, with(goodDistribution, "origins", list{
			obj{"originId": "site", "domainName": "site.s3.amazonaws.com", "s3OriginConfig": obj{"originAccessIdentity": "origin-access-identity/cloudfront/E1"}}, apiOrigin})),
		dist("cloudfront-origin-access-control", commercial, with(goodDistribution, "origins", list{obj{"originId": "site", "domainName": "site.s3.amazonaws.com"}, apiOrigin})),
		dist("cloudfront-response-headers-policy", commercial, with(goodDistribution, "defaultCacheBehavior", without(behavior(), "responseHeadersPolicyId"))),
		one("cloudfront-security-headers", commercial, tHeaders, obj{"securityHeadersConfig": obj{"frameOptions": obj{"frameOption": "SAMEORIGIN"}}}, goodHeaders),
		one("wafv2-web-acl-rules", commercial, tWebACL, obj{"scope": "REGIONAL", "rules": list{}}, goodACL),
		one("alb-tls-policy", fedramp, tListener, with(goodHTTPS, "sslPolicy", "ELBSecurityPolicy-TLS13-1-2-2021-06"), goodHTTPS),
		one("alb-tls-policy", commercial, tListener, with(goodHTTPS, "sslPolicy", "ELBSecurityPolicy-2016-08"), with(goodHTTPS, "sslPolicy", "ELBSecurityPolicy-TLS13-1-2-2021-06")),
		one("alb-http-redirect", commercial, tListener, with(goodHTTP, "defaultActions", list{obj{"type": "forward", "targetGroupArn": "tg"}}), goodHTTP),
		one("alb-drop-invalid-headers", commercial, tLB, without(goodLB, "dropInvalidHeaderFields"), goodLB),
		one("alb-desync-mitigation", fedramp, tLB, with(goodLB, "desyncMitigationMode", "defensive"), goodLB),
		one("alb-deletion-protection", commercial, tLB, with(goodLB, "enableDeletionProtection", false), goodLB),
		{rule: "alb-waf", settings: govcloud, bad: regional(goodLB, goodHTTPS, goodHTTP)[:3], good: goodRegional},
		{rule: "vpc-default-sg-closed", settings: govcloud,
			bad:  []rules.Resource{vpc},
			good: []rules.Resource{vpc, res(tDefaultSG, "default", obj{"vpcId": "vpc-1"})}},
		{rule: "vpc-default-sg-closed", settings: govcloud,
			bad:  []rules.Resource{vpc, res(tDefaultSG, "default", obj{"vpcId": "vpc-1", "ingress": list{worldOn(443)}})},
			good: []rules.Resource{vpc, res(tDefaultSG, "default", obj{"vpcId": "vpc-1", "ingress": list{}, "egress": list{}})}},
		{rule: "vpc-no-world-ingress", settings: govcloud,
			bad:  regional(goodLB, goodHTTPS, goodHTTP, worldOn(22)),
			good: goodRegional},
		{rule: "vpc-no-world-ingress", settings: govcloud,
			bad:  regional(goodLB, goodHTTPS, with(goodHTTP, "defaultActions", list{obj{"type": "forward"}}), worldOn(443), worldOn(80)),
			good: append(goodRegional, res(tIngressRule, "task-from-alb", obj{"securityGroupId": "sg-task", "referencedSecurityGroupId": "sg-alb", "ipProtocol": "tcp", "fromPort": 8080, "toPort": 8080}))},
		{rule: "vpc-no-world-ingress", settings: govcloud,
			bad:  append(goodRegional, res(tIngressRule, "task-open", obj{"securityGroupId": "sg-task", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443})),
			good: goodRegional},
	}
}
