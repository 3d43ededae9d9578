package components

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DefaultAlbTlsPolicy is the FIPS 140-3 policy with TLS 1.3 and 1.2 (SC-8, SC-13).
const DefaultAlbTlsPolicy = "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04"

// fipsTLSPolicy matches the FIPS policies at least as strict as the default:
// TLS 1.2 or 1.3 minimum, standard or restricted ciphers, optionally post-quantum.
var fipsTLSPolicy = regexp.MustCompile(`^ELBSecurityPolicy-TLS13-1-[23](-Res)?-FIPS-(PQ-)?\d{4}-\d{2}$`)

// IsFIPSTLSPolicy reports whether an ALB security policy is a FIPS policy at
// least as strict as DefaultAlbTlsPolicy.
func IsFIPSTLSPolicy(name string) bool { return fipsTLSPolicy.MatchString(name) }

// LoadBalancerArgs configures the internet-facing ALB of the regional topology.
type LoadBalancerArgs struct {
	// Account is the looked-up partition, account and region. Required.
	Account *Account
	// VpcId and VpcCidr locate the targets. Required.
	VpcId   pulumi.StringInput
	VpcCidr string
	// SubnetIds are the public subnets, in at least two AZs. Required.
	SubnetIds pulumi.StringArrayInput
	// CertificateArn is the ACM certificate of the domain, in this region. Required.
	CertificateArn string
	// TlsPolicy is the HTTPS listener policy; it must be a FIPS policy.
	// Defaults to ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04.
	TlsPolicy string
	// AllowedCidrs may connect on 443 (and 80, which only redirects).
	// Defaults to 0.0.0.0/0.
	AllowedCidrs []string
	// TargetPort is the container port. Defaults to 8080.
	TargetPort int
	// HealthCheckPath is the target health check. Defaults to /healthz.
	HealthCheckPath string
	// WebAclArn is the REGIONAL web ACL associated with the ALB. Required.
	WebAclArn pulumi.StringInput
	// MtlsCaBundlePEM turns on mutual TLS in verify mode with a trust store
	// of these CAs (PIV/CAC issuers). Defaults to empty: mTLS off.
	MtlsCaBundlePEM string
	// TrustStoreKmsKeyArn encrypts the CA bundle's bucket (the data CMK).
	// Required when MtlsCaBundlePEM is set.
	TrustStoreKmsKeyArn pulumi.StringInput
	// DomainName and HostedZoneId, when both set, get an alias A record to
	// the ALB. Defaults to no record.
	DomainName, HostedZoneId string
	// AccessLogRetentionDays is how long access logs stay in S3. Defaults to 365.
	AccessLogRetentionDays int
	// IdleTimeoutSeconds is the connection idle timeout. Defaults to 60.
	IdleTimeoutSeconds int
	// BackchannelLogout opens a listener for the IdP's back-channel logout
	// calls, which carry no client certificate (mutual TLS only). Defaults
	// to none.
	BackchannelLogout *BackchannelLogoutArgs
	// AllowDeletion turns deletion protection off so `pulumi destroy` can
	// remove the ALB. Defaults to false (protected).
	AllowDeletion bool
	// Tags are added to every taggable child. Defaults to none.
	Tags map[string]string
}

// LoadBalancer is the ALB, its listeners, target group, security group, WAF
// association, access logs and optional mTLS trust store.
type LoadBalancer struct {
	pulumi.ResourceState

	Arn, DnsName, ZoneId        pulumi.StringOutput
	SecurityGroupId             pulumi.StringOutput
	TargetGroupArn              pulumi.StringOutput
	AccessLogBucket             pulumi.StringOutput
	TrustStoreArn               pulumi.StringOutput // empty when mTLS is off
	HttpsListener, HttpListener *lb.Listener
	// BackchannelListener and BackchannelLogoutUrl (the URL to register at
	// the IdP) are set with BackchannelLogout.
	BackchannelListener  *lb.Listener
	BackchannelLogoutUrl pulumi.StringOutput
}

func (a *LoadBalancerArgs) withDefaults() LoadBalancerArgs {
	out := *a
	if out.TlsPolicy == "" {
		out.TlsPolicy = DefaultAlbTlsPolicy
	}
	if len(out.AllowedCidrs) == 0 {
		out.AllowedCidrs = []string{"0.0.0.0/0"}
	}
	if out.TargetPort == 0 {
		out.TargetPort = 8080
	}
	if out.HealthCheckPath == "" {
		out.HealthCheckPath = "/healthz"
	}
	if out.AccessLogRetentionDays == 0 {
		out.AccessLogRetentionDays = 365
	}
	if out.IdleTimeoutSeconds == 0 {
		out.IdleTimeoutSeconds = 60
	}
	return out
}

func (a *LoadBalancerArgs) validate() error {
	var errs []error
	if a.Account == nil {
		errs = append(errs, errors.New("Account is required (use LookupAccount)"))
	}
	if a.VpcId == nil || a.SubnetIds == nil {
		errs = append(errs, errors.New("VpcId and SubnetIds are required (from the Network component)"))
	}
	if _, err := netip.ParsePrefix(a.VpcCidr); err != nil {
		errs = append(errs, fmt.Errorf("VpcCidr %q is not a CIDR block", a.VpcCidr))
	}
	if !strings.HasPrefix(a.CertificateArn, "arn:") || !strings.Contains(a.CertificateArn, ":acm:") {
		errs = append(errs, fmt.Errorf("CertificateArn %q is not an ACM certificate ARN; set gatehouse:certificateArn", a.CertificateArn))
	} else if a.Account != nil && !strings.HasPrefix(a.CertificateArn, "arn:"+a.Account.Partition+":acm:"+a.Account.Region+":") {
		errs = append(errs, fmt.Errorf("CertificateArn %q must be in %s/%s, the ALB's partition and region", a.CertificateArn, a.Account.Partition, a.Account.Region))
	}
	if !IsFIPSTLSPolicy(a.TlsPolicy) {
		errs = append(errs, fmt.Errorf("TlsPolicy %q is not a FIPS policy of TLS 1.2 or newer; use %s or a stricter -FIPS- policy", a.TlsPolicy, DefaultAlbTlsPolicy))
	}
	for _, c := range a.AllowedCidrs {
		if p, err := netip.ParsePrefix(c); err != nil || !p.Addr().Is4() {
			errs = append(errs, fmt.Errorf("AllowedCidrs entry %q is not an IPv4 CIDR block", c))
		}
	}
	if a.TargetPort < 1024 || a.TargetPort > 65535 {
		errs = append(errs, fmt.Errorf("TargetPort %d must be 1024-65535 (the task runs as a non-root user)", a.TargetPort))
	}
	if !strings.HasPrefix(a.HealthCheckPath, "/") {
		errs = append(errs, fmt.Errorf("HealthCheckPath %q must start with /", a.HealthCheckPath))
	}
	if a.WebAclArn == nil {
		errs = append(errs, errors.New("WebAclArn is required: the ALB is always behind WAF (SC-7, SI-4)"))
	}
	if a.MtlsCaBundlePEM != "" {
		if err := checkCABundle(a.MtlsCaBundlePEM); err != nil {
			errs = append(errs, err)
		}
		if a.TrustStoreKmsKeyArn == nil {
			errs = append(errs, errors.New("TrustStoreKmsKeyArn is required with mTLS: the CA bundle bucket is encrypted with the data CMK"))
		}
	}
	if b := a.BackchannelLogout; b != nil {
		errs = append(errs, b.validate(a.MtlsCaBundlePEM != "")...)
		if a.DomainName == "" {
			errs = append(errs, errors.New("BackchannelLogout needs DomainName: the IdP calls https://<domain>:<port>"+BackchannelLogoutPath))
		}
	}
	if a.HostedZoneId != "" && a.DomainName == "" {
		errs = append(errs, errors.New("HostedZoneId needs DomainName for the alias record"))
	}
	if a.IdleTimeoutSeconds < 1 || a.IdleTimeoutSeconds > 4000 {
		errs = append(errs, fmt.Errorf("IdleTimeoutSeconds %d must be 1-4000", a.IdleTimeoutSeconds))
	}
	return joinErrors("load balancer", errs)
}

// NewLoadBalancer creates the ALB and everything in front of the targets.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args == nil {
		args = &LoadBalancerArgs{}
	}
	a := args.withDefaults()
	if err := a.validate(); err != nil {
		return nil, err
	}
	l := &LoadBalancer{}
	if err := ctx.RegisterComponentResource("gatehouse:alb:LoadBalancer", name, l, opts...); err != nil {
		return nil, err
	}
	if err := l.build(ctx, name, a); err != nil {
		return nil, fmt.Errorf("components: load balancer %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(l, pulumi.Map{
		"arn":                  l.Arn,
		"dnsName":              l.DnsName,
		"securityGroupId":      l.SecurityGroupId,
		"targetGroupArn":       l.TargetGroupArn,
		"accessLogBucket":      l.AccessLogBucket,
		"trustStoreArn":        l.TrustStoreArn,
		"backchannelLogoutUrl": l.BackchannelLogoutUrl,
	}); err != nil {
		return nil, err
	}
	return l, nil
}
