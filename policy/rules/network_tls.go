package rules

import (
	"fmt"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"slices"
	"strings"
)

// Resource types judged by the CloudFront and load balancer rules.
const (
	typeDistribution          = "aws:cloudfront/distribution:Distribution"
	typeResponseHeadersPolicy = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
)

var (
	typesLoadBalancer = []string{"aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"}
	typesListener     = []string{"aws:lb/listener:Listener", "aws:alb/listener:Listener"}
)

// CloudFront security policies at or above TLSv1.2_2021.
var cloudFrontTLSPolicies = []string{"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"}

// OriginVerifyHeader is the secret header CloudFront adds to requests for the API origin; the BFF
// refuses requests without it, so an API route without an authorizer cannot be called around CloudFront.
const OriginVerifyHeader = "X-Origin-Verify"

func edgeAndALBRules() []Rule {
	f := FamilyNetwork
	dist := types(typeDistribution)
	return []Rule{
		resourceRule(f, "cloudfront-tls-1-2-2021", controls("SC-8", "SC-8(1)", "SC-13"),
			"CloudFront serves viewers with an ACM certificate and a security policy of TLSv1.2_2021 or stricter.",
			dist, func(r Resource, _ Settings) []string {
				cert := prop(r, "viewerCertificate")
				if isTrue(get(cert, "cloudfrontDefaultCertificate")) {
					return []string{"the default *.cloudfront.net certificate accepts TLSv1: configure a domain with an ACM certificate and minimumProtocolVersion \"TLSv1.2_2021\""}
				}
				v := get(cert, "minimumProtocolVersion")
				return msgs(when(!unknown(v) && !slices.Contains(cloudFrontTLSPolicies, str(v)),
					"minimumProtocolVersion is %q: set \"TLSv1.2_2021\" or stricter", str(v)))
			}),
		resourceRule(f, "cloudfront-viewer-https", controls("SC-8", "SC-8(1)"),
			"Every CloudFront cache behavior redirects viewers to HTTPS or accepts HTTPS only.",
			dist, func(r Resource, _ Settings) []string {
				var out []string
				for i, b := range cacheBehaviors(r) {
					v := get(b, "viewerProtocolPolicy")
					if !unknown(v) && str(v) != "redirect-to-https" && str(v) != "https-only" {
						out = append(out, fmt.Sprintf("cache behavior %d allows %q: set viewerProtocolPolicy \"redirect-to-https\"", i, str(v)))
					}
				}
				return out
			}),
		resourceRule(f, "cloudfront-origin-https", controls("SC-8", "SC-8(1)"),
			"CloudFront reaches custom origins over HTTPS only, with TLSv1.2.",
			dist, func(r Resource, _ Settings) []string {
				var out []string
				for _, o := range items(prop(r, "origins")) {
					custom := get(o, "customOriginConfig")
					if !custom.IsMap() {
						continue
					}
					id := str(get(o, "originId"))
					if p := get(custom, "originProtocolPolicy"); !unknown(p) && str(p) != "https-only" {
						out = append(out, fmt.Sprintf("origin %q uses %q: set originProtocolPolicy \"https-only\"", id, str(p)))
					}
					for _, proto := range stringList(get(custom, "originSslProtocols")) {
						if proto != "TLSv1.2" {
							out = append(out, fmt.Sprintf("origin %q allows %s: set originSslProtocols [\"TLSv1.2\"]", id, proto))
						}
					}
				}
				return out
			}),
		resourceRule(f, "cloudfront-waf", controls("SC-7", "SC-5", "SI-4"),
			"CloudFront distributions are protected by a WAF web ACL (scope CLOUDFRONT).",
			dist, func(r Resource, _ Settings) []string {
				return msgs(when(!set(prop(r, "webAclId")), "set webAclId to the ARN of a CLOUDFRONT-scope WAF web ACL"))
			}),
		resourceRule(f, "cloudfront-origin-access-control", controls("AC-3", "AC-6", "SC-7"),
			"CloudFront reaches S3 origins through Origin Access Control, never a legacy OAI or a public bucket.",
			dist, func(r Resource, _ Settings) []string {
				var out []string
				for _, o := range items(prop(r, "origins")) {
					if get(o, "customOriginConfig").IsMap() || get(o, "vpcOriginConfig").IsMap() {
						continue
					}
					id := str(get(o, "originId"))
					if set(get(o, "s3OriginConfig", "originAccessIdentity")) {
						out = append(out, fmt.Sprintf("origin %q uses a legacy origin access identity: use an aws.cloudfront.OriginAccessControl", id))
					} else if !set(get(o, "originAccessControlId")) {
						out = append(out, fmt.Sprintf("S3 origin %q has no originAccessControlId: sign requests with an aws.cloudfront.OriginAccessControl", id))
					}
				}
				return out
			}),
		resourceRule(f, "cloudfront-response-headers-policy", controls("SC-8", "SI-10", "SC-18"),
			"The default CloudFront behavior attaches a response headers policy (HSTS, CSP, nosniff, frame-ancestors).",
			dist, func(r Resource, _ Settings) []string {
				return msgs(when(!set(prop(r, "defaultCacheBehavior", "responseHeadersPolicyId")),
					"set defaultCacheBehavior.responseHeadersPolicyId to a policy with HSTS, CSP, nosniff and frame options"))
			}),
		resourceRule(f, "cloudfront-security-headers", controls("SC-8", "SC-18", "SI-10"),
			"Response headers policies send HSTS (one year or more), a CSP, nosniff, frame options DENY and a referrer policy.",
			types(typeResponseHeadersPolicy), func(r Resource, _ Settings) []string {
				h := prop(r, "securityHeadersConfig")
				if unknown(h) {
					return nil
				}
				maxAge, _ := num(get(h, "strictTransportSecurity", "accessControlMaxAgeSec"))
				frame := str(get(h, "frameOptions", "frameOption"))
				return msgs(
					when(maxAge < 31536000, "set strictTransportSecurity.accessControlMaxAgeSec to at least 31536000"),
					when(!set(get(h, "contentSecurityPolicy", "contentSecurityPolicy")), "set a contentSecurityPolicy"),
					when(!get(h, "contentTypeOptions").IsMap(), "set contentTypeOptions (X-Content-Type-Options: nosniff)"),
					when(frame != "DENY", "set frameOptions.frameOption \"DENY\""),
					when(!set(get(h, "referrerPolicy", "referrerPolicy")), "set a referrerPolicy"))
			}),
		resourceRule(f, "alb-tls-policy", controls("SC-8", "SC-8(1)", "SC-13"),
			"HTTPS listeners use a TLS 1.2+ security policy, and a FIPS policy (ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04 or stricter) under FedRAMP.",
			typesListener, func(r Resource, s Settings) []string {
				if !strings.EqualFold(str(prop(r, "protocol")), "HTTPS") {
					return nil
				}
				policy := prop(r, "sslPolicy")
				if unknown(policy) {
					return nil
				}
				name := str(policy)
				if s.FedRAMP() {
					return msgs(when(!fipsTLSPolicy(name),
						"sslPolicy %q is not a FIPS TLS 1.2+ policy: set \"ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04\" or stricter", name))
				}
				return msgs(when(!modernTLSPolicy(name),
					"sslPolicy %q allows TLS below 1.2: set \"ELBSecurityPolicy-TLS13-1-2-2021-06\" or stricter", name))
			}),
		resourceRule(f, "alb-http-redirect", controls("SC-8", "SC-8(1)"),
			"Plain-HTTP listeners only redirect to HTTPS.",
			typesListener, func(r Resource, _ Settings) []string {
				protocol := str(prop(r, "protocol"))
				port, _ := num(prop(r, "port"))
				if !strings.EqualFold(protocol, "HTTP") && !(protocol == "" && port == 80) {
					return nil
				}
				return msgs(when(!redirectsToHTTPS(r),
					"make the listener's only default action a redirect with protocol \"HTTPS\", port \"443\", statusCode \"HTTP_301\""))
			}),
		resourceRule(f, "alb-drop-invalid-headers", controls("SC-8", "SI-10"),
			"Application load balancers drop HTTP headers with invalid fields.",
			typesLoadBalancer, albCheck(func(r Resource, _ Settings) []string {
				v := prop(r, "dropInvalidHeaderFields")
				return msgs(when(!isTrue(v) && !unknown(v), "set dropInvalidHeaderFields: true"))
			})),
		resourceRule(f, "alb-desync-mitigation", controls("SC-7", "SI-10"),
			"Application load balancers mitigate HTTP desync: strictest under FedRAMP, defensive or strictest otherwise.",
			typesLoadBalancer, albCheck(func(r Resource, s Settings) []string {
				v := prop(r, "desyncMitigationMode")
				mode := str(v)
				if unknown(v) {
					return nil
				}
				if mode == "" {
					mode = "defensive"
				}
				if s.FedRAMP() {
					return msgs(when(mode != "strictest", "desyncMitigationMode is %q: set \"strictest\"", mode))
				}
				return msgs(when(mode == "monitor", "desyncMitigationMode is \"monitor\": set \"strictest\""))
			})),
		resourceRule(f, "alb-deletion-protection", controls("CP-10", "CM-3", "SC-5"),
			"Application load balancers have deletion protection on.",
			typesLoadBalancer, albCheck(func(r Resource, _ Settings) []string {
				v := prop(r, "enableDeletionProtection")
				return msgs(when(!isTrue(v) && !unknown(v), "set enableDeletionProtection: true"))
			})),
		concerning(stackRule(f, "alb-waf", controls("SC-7", "SC-5", "SI-4"),
			"Internet-facing application load balancers are associated with a REGIONAL WAF web ACL.",
			func(st *Stack) []Finding {
				var out []Finding
				for _, lb := range st.OfType(typesLoadBalancer...) {
					if !application(lb) || isTrue(prop(lb, "internal")) {
						continue
					}
					if len(st.Referring(lb, "resourceArn", typeWebACLAssociate)) == 0 {
						out = append(out, Finding{URN: lb.URN, Message: "add an aws.wafv2.WebAclAssociation of a REGIONAL web ACL with this load balancer"})
					}
				}
				return out
			}), typesLoadBalancer...),
		albMtlsNoBypass(),
	}
}

func cacheBehaviors(r Resource) []property.Value {
	return append(items(prop(r, "defaultCacheBehavior")), items(prop(r, "orderedCacheBehaviors"))...)
}

func redirectsToHTTPS(listener Resource) bool {
	actions := items(prop(listener, "defaultActions"))
	if unknown(prop(listener, "defaultActions")) {
		return true
	}
	if len(actions) == 0 {
		return false
	}
	for _, a := range actions {
		if str(get(a, "type")) != "redirect" || !strings.EqualFold(str(get(a, "redirect", "protocol")), "HTTPS") {
			return false
		}
	}
	return true
}

// application is true for application load balancers (the default type).
func application(lb Resource) bool {
	t := str(prop(lb, "loadBalancerType"))
	return t == "" || t == "application"
}

func albCheck(check func(r Resource, s Settings) []string) func(r Resource, s Settings) []string {
	return func(r Resource, s Settings) []string {
		if !application(r) {
			return nil
		}
		return check(r, s)
	}
}

func fipsTLSPolicy(name string) bool {
	return strings.Contains(name, "-FIPS-") &&
		(strings.HasPrefix(name, "ELBSecurityPolicy-TLS13-1-2-") || strings.HasPrefix(name, "ELBSecurityPolicy-TLS13-1-3-"))
}

func modernTLSPolicy(name string) bool {
	for _, prefix := range []string{"ELBSecurityPolicy-TLS13-1-2-", "ELBSecurityPolicy-TLS13-1-3-", "ELBSecurityPolicy-TLS-1-2-", "ELBSecurityPolicy-FS-1-2-"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}
