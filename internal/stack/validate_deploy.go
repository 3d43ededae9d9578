package stack

import (
	"net/netip"
	"slices"

	"github.com/gatehouse/gatehouse/components"
	"github.com/gatehouse/gatehouse/components/names"
)

// The limits below are AWS's, each with the documentation it comes from.
// What a mock run cannot see (a quota of the account, a capability of a
// region) is checked here, before anything is created.
const (
	// securityGroupRulesQuota is the default "Inbound or outbound rules per
	// security group" (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups);
	// each CIDR of a rule counts as one.
	securityGroupRulesQuota = 60
	fargateFIPSDoc          = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-fips-compliance.html"
	lambdaReservationDoc    = "https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html"
)

// cloudFrontNoLogRegions are opt-in Regions: CloudFront delivers no standard
// logs to buckets there (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html#access-logs-choosing-s3-bucket),
// and the edge topology's log bucket lives in the stack's region.
var cloudFrontNoLogRegions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
	"ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1", "me-central-1",
	"me-south-1", "mx-central-1",
}

// validateDeployability catches what AWS would refuse at the first `pulumi up`
// although every value is well formed.
func validateDeployability(c *Config, ps *problems) {
	for _, p := range names.CheckStack(c.Project, c.Stack) {
		ps.add("pulumi:stack", "%s", p)
	}
	validateArchitecture(c, ps)
	validateConcurrency(c, ps)
	if c.Topology == TopologyEdge && slices.Contains(cloudFrontNoLogRegions, c.Region) {
		ps.add("aws:region", "%s is an opt-in Region, where CloudFront delivers no access logs (AU-2); deploy the edge topology in another region or use gatehouse:topology \"regional\"", c.Region)
	}
	validateBackchannel(c, ps)
	rules := 2 * len(c.AllowedCidrs)
	if c.Backchannel != nil {
		rules += len(c.Backchannel.Cidrs)
	}
	if c.Topology == TopologyRegional && rules > securityGroupRulesQuota {
		ps.add(key("allowedCidrs"), "%d CIDR blocks make %d load balancer security group rules (each block is allowed on 443 and 80), over the %d AWS allows per group; merge ranges", len(c.AllowedCidrs), rules, securityGroupRulesQuota)
	}
}

func validateArchitecture(c *Config, ps *problems) {
	switch c.CpuArchitecture {
	case components.ArchArm64:
		if c.Topology == TopologyRegional && c.IsGovCloud() && c.FIPS() {
			ps.add(key("cpuArchitecture"), "arm64 cannot run in Fargate's FIPS-140 mode, which fedramp-high needs in aws-us-gov (%s): remove the setting or set x86_64", fargateFIPSDoc)
		}
	case components.ArchX86_64:
	default:
		ps.add(key("cpuArchitecture"), "%q must be arm64 or x86_64", c.CpuArchitecture)
	}
}

// validateConcurrency keeps Lambda reservations opt-in and within the
// account's quota: Lambda refuses any reservation that leaves fewer than 100
// executions unreserved, and new accounts start with a quota below that.
func validateConcurrency(c *Config, ps *problems) {
	switch {
	case c.ReservedConcurrency < 0:
		ps.add(key("reservedConcurrency"), "%d must be 0 (no reservation) or more", c.ReservedConcurrency)
		return
	case c.Topology != TopologyEdge || c.IsGovCloud():
		return // no Lambda function (and no edge in GovCloud): the settings are unused
	}
	total := c.TotalReservedConcurrency()
	if total == 0 {
		if c.FIPS() {
			ps.add(key("reservedConcurrency"), "required under fedramp-high, so one function cannot exhaust the account's concurrency (SC-5): reserve the BFF's budget, e.g. 50, and set gatehouse:lambdaConcurrencyQuota to the account's quota (`aws lambda get-account-settings`)")
		}
		return
	}
	need := total + LambdaUnreservedMinimum
	switch {
	case c.LambdaConcurrencyQuota == 0:
		ps.add(key("lambdaConcurrencyQuota"), "required with gatehouse:reservedConcurrency: reserving %d needs an account concurrency quota of at least %d (%s); set it to AccountLimit.ConcurrentExecutions from `aws lambda get-account-settings`, after raising the quota if it is lower", total, need, lambdaReservationDoc)
	case c.LambdaConcurrencyQuota < need:
		ps.add(key("reservedConcurrency"), "reserving %d leaves %d of the account's %d unreserved; Lambda requires %d (%s): reserve less or raise the quota", total, c.LambdaConcurrencyQuota-total, c.LambdaConcurrencyQuota, LambdaUnreservedMinimum, lambdaReservationDoc)
	}
}

func validateBackchannel(c *Config, ps *problems) {
	b := c.Backchannel
	if b == nil {
		return
	}
	k := key("backchannelLogout")
	if c.Topology != TopologyRegional || c.Mtls.Mode != "verify" {
		ps.add(k, "is for the regional topology with gatehouse:mtls mode \"verify\", where the ALB refuses the IdP's connection for want of a client certificate; elsewhere the IdP reaches %s on 443: remove the setting", components.BackchannelLogoutPath)
	}
	if b.Port < 1 || b.Port > 65535 || b.Port == 443 || b.Port == 80 {
		ps.add(k, "port %d must be a TCP port other than 443 and 80", b.Port)
	}
	if len(b.Cidrs) == 0 {
		ps.add(k, "needs cidrs: the IdP's egress ranges, the only sources the listener admits")
	}
	for _, cidr := range b.Cidrs {
		p, err := netip.ParsePrefix(cidr)
		switch {
		case err != nil || !p.Addr().Is4():
			ps.add(k, "cidrs entry %q is not an IPv4 CIDR block like 192.0.2.0/24", cidr)
		case p.Bits() == 0:
			ps.add(k, "cidrs entry %q admits everyone to a listener without mutual TLS; list the IdP's ranges", cidr)
		}
	}
}

func customAttributeNames() []string {
	out := make([]string, len(components.CustomAttributes))
	for i, a := range components.CustomAttributes {
		out[i] = "custom:" + a
	}
	return out
}
