package stack

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/components"
)

// fedrampRegions are the US regions with FIPS endpoints in which FedRAMP High
// services run.
var fedrampRegions = map[string]bool{
	"us-east-1": true, "us-east-2": true, "us-west-1": true, "us-west-2": true,
	"us-gov-west-1": true, "us-gov-east-1": true,
}

const (
	fedrampMaxIdle = 15 * time.Minute // AC-11: session lock after 15 minutes of inactivity
	edgeMaxTimeout = 29 * time.Second // API Gateway's integration limit is 30 s
	// edgeMaxBodyBytes keeps a body inside Lambda's 6 MB synchronous request
	// payload, which carries it base64-encoded (4/3 larger) beside the headers
	// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
	edgeMaxBodyBytes = 4 << 20
)

var (
	routeNamePattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	domainPattern       = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	domainPrefixPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	reservedPrefixWords = []string{"aws", "amazon", "cognito"}
)

func validate(c *Config, ps *problems) {
	validateCompliance(c, ps)
	validateTopology(c, ps)
	validateDomain(c, ps)
	validateIdentity(c, ps)
	validateSessions(c, ps)
	validateRoutes(c, ps)
	validateRegional(c, ps)
	validateDeployability(c, ps)
	if c.SpaDist != "" {
		if _, err := os.Stat(filepath.Join(c.SpaDist, "index.html")); err != nil {
			ps.add(key("spaDist"), "%s holds no index.html: point it at a built SPA (npm run build in frontend/ writes frontend/dist), or remove it to build frontend/", c.SpaDist)
		}
	}
	if c.WafRateLimit < 100 || c.WafRateLimit > 2_000_000_000 {
		ps.add(key("wafRateLimit"), "%d is outside WAF's range; use 100 to 2000000000 requests per 5 minutes per IP", c.WafRateLimit)
	}
	switch {
	case !components.ValidLogRetention(c.LogRetentionDays):
		ps.add(key("logRetentionDays"), "%d is not a CloudWatch Logs retention; use one of 90, 180, 365, 400, 545, 731, 1096, ...", c.LogRetentionDays)
	case c.FIPS() && c.LogRetentionDays < 365:
		ps.add(key("logRetentionDays"), "%d is too short under fedramp-high; keep at least 365 days (AU-11)", c.LogRetentionDays)
	}
}

func validateCompliance(c *Config, ps *problems) {
	switch c.Compliance {
	case components.ComplianceNone, components.ComplianceFedRAMPHigh:
	default:
		ps.add(key("compliance"), "%q is not a compliance level; use \"none\" or \"fedramp-high\"", c.Compliance)
		return
	}
	if c.FIPS() && c.Region != "" && !fedrampRegions[c.Region] {
		ps.add("aws:region", "%s is not a US region with FIPS endpoints; under fedramp-high use us-east-1, us-east-2, us-west-1, us-west-2 or a GovCloud region", c.Region)
	}
}

func validateTopology(c *Config, ps *problems) {
	switch c.Topology {
	case TopologyEdge:
		if c.IsGovCloud() {
			ps.add(key("topology"), "\"edge\" is not available in aws-us-gov (%s): CloudFront does not exist in GovCloud; set gatehouse:topology to \"regional\"", c.Region)
		}
	case TopologyRegional:
	default:
		ps.add(key("topology"), "%q is not a topology; use \"edge\" (CloudFront + API Gateway + Lambda) or \"regional\" (ALB + Fargate)", c.Topology)
	}
}

func validateDomain(c *Config, ps *problems) {
	if c.Domain != "" && !domainPattern.MatchString(c.Domain) {
		ps.add(key("domain"), "%q is not a lowercase DNS host name like app.example.gov", c.Domain)
	}
	certificateNeeded := ""
	switch {
	case c.Topology == TopologyRegional:
		certificateNeeded = "the regional topology serves HTTPS from the ALB with an ACM certificate for the domain"
	case c.Topology == TopologyEdge && c.FIPS():
		certificateNeeded = "under fedramp-high CloudFront must enforce TLSv1.2_2021, which needs a custom domain and certificate"
	}
	if certificateNeeded != "" && c.Domain == "" {
		ps.add(key("domain"), "required: %s; set gatehouse:domain to the app's host name", certificateNeeded)
	}
	if certificateNeeded != "" && c.CertificateArn == "" {
		ps.add(key("certificateArn"), "required: %s; set gatehouse:certificateArn to an issued ACM certificate", certificateNeeded)
	}
	if c.Domain != "" && c.CertificateArn == "" && certificateNeeded == "" {
		ps.add(key("certificateArn"), "required when gatehouse:domain is set: an ACM certificate for %s", c.Domain)
	}
	if c.CertificateArn != "" && c.Domain == "" && certificateNeeded == "" {
		ps.add(key("domain"), "required when gatehouse:certificateArn is set: the host name the certificate covers")
	}
	if c.CertificateArn != "" && c.Region != "" {
		certRegion := c.Region
		if c.Topology == TopologyEdge {
			certRegion = "us-east-1" // CloudFront only uses certificates from us-east-1
		}
		want := fmt.Sprintf("arn:%s:acm:%s:", c.Partition, certRegion)
		if !strings.HasPrefix(c.CertificateArn, want) {
			ps.add(key("certificateArn"), "must be an ACM certificate in %s of partition %s (an ARN starting %q)", certRegion, c.Partition, want)
		}
	}
}

func validateIdentity(c *Config, ps *problems) {
	if c.CognitoDomainPrefix != "" {
		if !domainPrefixPattern.MatchString(c.CognitoDomainPrefix) {
			ps.add(key("cognitoDomainPrefix"), "%q must be 1-63 lowercase letters, digits or hyphens", c.CognitoDomainPrefix)
		}
		for _, w := range reservedPrefixWords {
			if strings.Contains(c.CognitoDomainPrefix, w) {
				ps.add(key("cognitoDomainPrefix"), "%q contains %q, which Cognito reserves; choose another prefix", c.CognitoDomainPrefix, w)
			}
		}
	}
	switch c.Mfa {
	case "", "ON":
	case "OPTIONAL":
		if c.FIPS() {
			ps.add(key("mfa"), "must be ON under fedramp-high (IA-2(1), IA-2(2)); remove the setting or set it to ON")
		}
	default:
		ps.add(key("mfa"), "%q must be ON or OPTIONAL", c.Mfa)
	}
	switch c.AdvancedSecurity {
	case "", "OFF":
	case "ENFORCED", "AUDIT":
		if c.IsGovCloud() {
			ps.add(key("advancedSecurity"), "Cognito advanced security is not offered in aws-us-gov; remove the setting")
		}
	default:
		ps.add(key("advancedSecurity"), "%q must be ENFORCED, AUDIT or OFF", c.AdvancedSecurity)
	}
	switch c.CognitoFeaturePlan {
	case "", components.FeaturePlanPlus:
	case components.FeaturePlanLite, components.FeaturePlanEssentials:
		if c.AdvancedSecurity == "ENFORCED" || c.AdvancedSecurity == "AUDIT" || (c.AdvancedSecurity == "" && c.FIPS() && !c.IsGovCloud()) {
			ps.add(key("cognitoFeaturePlan"), "%s has no threat protection, which gatehouse:advancedSecurity turns on (by default under fedramp-high): use PLUS, or set gatehouse:advancedSecurity to OFF", c.CognitoFeaturePlan)
		}
	default:
		ps.add(key("cognitoFeaturePlan"), "%q must be LITE, ESSENTIALS or PLUS", c.CognitoFeaturePlan)
	}
	if c.AccessTokenMinutes < 5 || c.AccessTokenMinutes > 60 {
		ps.add(key("accessTokenMinutes"), "%d must be 5 to 60: short-lived access tokens limit what a leaked token can do", c.AccessTokenMinutes)
	}
	if f := c.Federation; f != nil {
		switch f.Type {
		case "SAML":
			if f.MetadataUrl == "" {
				ps.add(key("federation"), "a SAML provider needs metadataUrl")
			}
		case "OIDC":
			if f.Issuer == "" || f.ClientId == "" || f.ClientSecret == "" {
				ps.add(key("federation"), "an OIDC provider needs issuer and clientId, and the secret gatehouse:federationClientSecret (pulumi config set --secret)")
			}
		default:
			ps.add(key("federation"), "type %q must be SAML or OIDC", f.Type)
		}
		if f.Name == "" {
			ps.add(key("federation"), "needs a name (shown on the sign-in page)")
		} else if len(f.Name) > 32 || strings.HasPrefix(f.Name, "_") || strings.ContainsAny(f.Name, " \t") {
			ps.add(key("federation"), "name %q must be 1-32 characters without spaces or a leading underscore (Cognito's provider names)", f.Name)
		}
		for attr := range f.AttributeMapping {
			if custom, ok := strings.CutPrefix(attr, "custom:"); ok && !slices.Contains(components.CustomAttributes, custom) {
				ps.add(key("federation"), "attributeMapping maps %s, which the user pool does not declare; use one of %v", attr, customAttributeNames())
			}
		}
	}
}

func validateSessions(c *Config, ps *problems) {
	if c.SessionIdleTimeout > c.SessionAbsoluteTimeout {
		ps.add(key("sessionIdleTimeout"), "%s is longer than gatehouse:sessionAbsoluteTimeout (%s); the idle timeout must not exceed the absolute timeout", c.SessionIdleTimeout, c.SessionAbsoluteTimeout)
	}
	if c.FIPS() && c.SessionIdleTimeout > fedrampMaxIdle {
		ps.add(key("sessionIdleTimeout"), "%s is longer than 15m, the fedramp-high limit for inactivity (AC-11)", c.SessionIdleTimeout)
	}
	if c.SessionAbsoluteTimeout > 7*24*time.Hour {
		ps.add(key("sessionAbsoluteTimeout"), "%s is longer than 7 days; sessions must end (AC-12)", c.SessionAbsoluteTimeout)
	}
}

func validateRoutes(c *Config, ps *problems) {
	seen := map[string]bool{}
	for i, r := range c.Routes {
		k := fmt.Sprintf("%s[%d]", key("routes"), i)
		if !routeNamePattern.MatchString(r.Name) {
			ps.add(k+".name", "%q must be lowercase letters, digits or hyphens (it becomes /api/<name>/)", r.Name)
		}
		if seen[r.Name] {
			ps.add(k+".name", "%q is listed twice", r.Name)
		}
		seen[r.Name] = true
		if c.SampleTodo && (r.Name == "todos" || r.Name == "greeting") {
			ps.add(k+".name", "%q is taken by the sample ToDo API (gatehouse:sampleTodo); rename the route or turn the sample off", r.Name)
		}
		u, err := url.Parse(r.Upstream)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			ps.add(k+".upstream", "%q must be an https:// URL (SC-8: the user's token travels to it)", r.Upstream)
		}
		if c.Topology == TopologyEdge && r.Timeout > edgeMaxTimeout {
			ps.add(k+".timeout", "%s exceeds API Gateway's 29s limit on the edge topology", r.Timeout)
		}
		if r.MaxBodyBytes < 0 || (c.Topology == TopologyEdge && r.MaxBodyBytes > edgeMaxBodyBytes) {
			ps.add(k+".maxBodyBytes", "%d must be positive and, on the edge topology, at most %d: Lambda's 6 MB request payload carries the body base64-encoded beside the headers", r.MaxBodyBytes, edgeMaxBodyBytes)
		}
	}
}

func validateRegional(c *Config, ps *problems) {
	switch c.Mtls.Mode {
	case "off":
	case "verify":
		if c.Topology != TopologyRegional {
			ps.add(key("mtls"), "mode \"verify\" needs the regional topology: only the ALB verifies client certificates")
		}
		if c.Mtls.CaBundleFile == "" {
			ps.add(key("mtls"), "mode \"verify\" needs caBundleFile, a PEM file of the CAs that issue your PIV/CAC certificates")
		} else if _, err := os.Stat(c.Mtls.CaBundleFile); err != nil {
			ps.add(key("mtls"), "caBundleFile %q cannot be read: %v", c.Mtls.CaBundleFile, err)
		}
	default:
		ps.add(key("mtls"), "mode %q must be \"off\" or \"verify\"", c.Mtls.Mode)
	}
	if c.Topology != TopologyRegional {
		return
	}
	if c.SampleTodo {
		ps.add(key("sampleTodo"), "the sample ToDo API runs as a Lambda beside the edge topology; on regional, remove the setting and add your API under gatehouse:routes")
	}
	if c.FIPS() && !strings.Contains(c.AlbTlsPolicy, "FIPS") {
		ps.add(key("albTlsPolicy"), "%q is not a FIPS policy; under fedramp-high use %s or a stricter FIPS policy (SC-13)", c.AlbTlsPolicy, DefaultAlbTlsPolicy)
	}
	if !strings.HasPrefix(c.AlbTlsPolicy, "ELBSecurityPolicy-TLS13-") {
		ps.add(key("albTlsPolicy"), "%q allows TLS versions below 1.2 or lacks TLS 1.3; use an ELBSecurityPolicy-TLS13-* policy", c.AlbTlsPolicy)
	}
	if c.DesiredCount < 2 {
		ps.add(key("desiredCount"), "%d tasks cannot survive the loss of an Availability Zone; use at least 2", c.DesiredCount)
	}
	for _, cidr := range c.AllowedCidrs {
		if _, _, err := net.ParseCIDR(cidr); err != nil {
			ps.add(key("allowedCidrs"), "%q is not a CIDR block like 10.0.0.0/8", cidr)
		}
	}
}
