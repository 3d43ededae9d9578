package components

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RegionalTopologyArgs configures the GovCloud pattern: Route 53 → ALB (FIPS
// TLS, optional mTLS, Regional WAF) → Fargate tasks serving the SPA and the
// BFF from one image.
type RegionalTopologyArgs struct {
	// Account is the looked-up partition, account and region. Required.
	Account *Account
	// FIPS makes the BFF's AWS SDK and the image push use FIPS endpoints.
	// Defaults to false; the stack sets it under fedramp-high.
	FIPS bool
	// Domain is the public host name; CertificateArn its ACM certificate in
	// this region. Both required: the ALB serves HTTPS only.
	Domain, CertificateArn string
	// HostedZoneId gets an alias record for Domain. Defaults to none.
	HostedZoneId string
	// TlsPolicy is the HTTPS listener's FIPS policy. Defaults to DefaultAlbTlsPolicy.
	TlsPolicy string
	// AllowedCidrs may reach the ALB. Defaults to 0.0.0.0/0.
	AllowedCidrs []string
	// MtlsCaBundlePEM turns on mTLS verify with these CAs. Defaults to off.
	MtlsCaBundlePEM string
	// BackchannelLogout, with mTLS, opens the back-channel logout listener
	// (see BackchannelLogoutArgs). Defaults to none.
	BackchannelLogout *BackchannelLogoutArgs
	// DesiredCount is the number of tasks. Defaults to 2 (the minimum).
	DesiredCount int
	// Architecture is the tasks' CPU architecture, which the image must be
	// built for. Defaults to ArchX86_64 with FIPS in GovCloud (Fargate's
	// FIPS-140 mode) and ArchArm64 otherwise.
	Architecture string
	// MaxCount caps CPU-driven scale-out. Defaults to 4 × DesiredCount.
	MaxCount int
	// AvailabilityZones and NatGateways shape the VPC. Default to 2 and OnePerAz.
	AvailabilityZones int
	NatGateways       string
	// LogRetentionDays applies to flow, container and ALB logs. Defaults to 365.
	LogRetentionDays int
	// Keys are the stack's CMKs. Required.
	Keys *Keys
	// WebAclArn is the REGIONAL web ACL. Required.
	WebAclArn pulumi.StringInput
	// SessionTableName and SessionTableArn locate the session table. Required.
	SessionTableName, SessionTableArn pulumi.StringInput
	// ImageDigest is the digest of the image built for this deployment
	// (sha256:<hex>) and ImagePush uploads it during `pulumi up`. Required.
	ImageDigest string
	ImagePush   ImagePusher
	// ImageArch is the GOARCH the image was built for; it must be the one of
	// Architecture, or no task starts. Required.
	ImageArch string
	// Environment is the BFF configuration the stack owns (OIDC, routes,
	// timeouts, data key). The topology adds mode, listen address, SPA
	// directory, public URL, session store and mTLS, and the service adds the
	// garbage-collector setting unless GOGC or GOMEMLIMIT is set here.
	// Defaults to none.
	Environment map[string]pulumi.StringInput
	// Secrets maps environment names to Secrets Manager ARNs. Defaults to none.
	Secrets map[string]pulumi.StringInput
	// EgressPorts are the TCP ports the tasks may open outwards. Defaults to [443].
	EgressPorts []int
	// AllowDeletion lets `pulumi destroy` remove the ALB and a non-empty
	// repository. Defaults to false.
	AllowDeletion bool
	// Provider is the AWS provider handed explicitly to the awsx VPC, which
	// does not inherit it (see NetworkArgs.Provider). Defaults to none.
	Provider pulumi.ProviderResource
	// Tags are added to every taggable child. Defaults to none.
	Tags map[string]string
}

// RegionalTopology ties the network, registry, load balancer and service together.
type RegionalTopology struct {
	pulumi.ResourceState

	Network      *Network
	Registry     *Registry
	LoadBalancer *LoadBalancer
	Service      *Service
	// Url is https://<domain>; Image is the pinned repository@sha256 reference.
	Url, Image pulumi.StringOutput
	// BackchannelLogoutUrl is the URL to register at the IdP; empty without
	// BackchannelLogout.
	BackchannelLogoutUrl pulumi.StringOutput
}

// regionalEnvOwned are set by the topology; the stack may not override them.
var regionalEnvOwned = []string{
	"GATEHOUSE_MODE", "GATEHOUSE_LISTEN_ADDR", "GATEHOUSE_SPA_DIR", "GATEHOUSE_PUBLIC_URL",
	"GATEHOUSE_SESSION_STORE", "GATEHOUSE_SESSION_TABLE", "GATEHOUSE_MTLS", "GATEHOUSE_INSECURE_COOKIES",
	"AWS_USE_FIPS_ENDPOINT", "AWS_REGION",
}

func (a *RegionalTopologyArgs) validate() error {
	var errs []error
	if a.Account == nil {
		errs = append(errs, errors.New("Account is required (use LookupAccount)"))
	}
	if a.Domain == "" || strings.ContainsAny(a.Domain, "/: ") {
		errs = append(errs, fmt.Errorf("Domain %q must be a host name (set gatehouse:domain): the ALB serves HTTPS for it", a.Domain))
	}
	if a.Keys == nil {
		errs = append(errs, errors.New("Keys is required"))
	}
	if a.WebAclArn == nil {
		errs = append(errs, errors.New("WebAclArn is required"))
	}
	if a.SessionTableName == nil || a.SessionTableArn == nil {
		errs = append(errs, errors.New("SessionTableName and SessionTableArn are required"))
	}
	if a.ImagePush == nil {
		errs = append(errs, errors.New("ImagePush is required"))
	}
	if !strings.HasPrefix(a.ImageDigest, "sha256:") {
		errs = append(errs, fmt.Errorf("ImageDigest %q is not sha256:<hex>", a.ImageDigest))
	}
	if err := validateArchitecture("Architecture", a.Architecture); err != nil {
		errs = append(errs, err)
	} else if a.ImageArch != GoArch(a.Architecture) {
		errs = append(errs, fmt.Errorf("ImageArch %q does not run on %s tasks: build the image for %s", a.ImageArch, a.Architecture, GoArch(a.Architecture)))
	}
	for _, k := range regionalEnvOwned {
		if _, ok := a.Environment[k]; ok {
			errs = append(errs, fmt.Errorf("Environment sets %s, which the regional topology owns", k))
		}
	}
	return joinErrors("regional topology", errs)
}

// NewRegionalTopology creates the whole regional deployment.
func NewRegionalTopology(ctx *pulumi.Context, name string, args *RegionalTopologyArgs, opts ...pulumi.ResourceOption) (*RegionalTopology, error) {
	if args == nil {
		args = &RegionalTopologyArgs{}
	}
	a := *args
	if a.Architecture == "" && a.Account != nil {
		compliance := ComplianceNone
		if a.FIPS {
			compliance = ComplianceFedRAMPHigh
		}
		a.Architecture = ArchitectureFor(a.Account.Partition, compliance)
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	t := &RegionalTopology{}
	if err := ctx.RegisterComponentResource("gatehouse:regional:RegionalTopology", name, t, opts...); err != nil {
		return nil, err
	}
	if err := t.build(ctx, name, a); err != nil {
		return nil, fmt.Errorf("components: regional topology %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(t, pulumi.Map{
		"url":                  t.Url,
		"image":                t.Image,
		"albDnsName":           t.LoadBalancer.DnsName,
		"cluster":              t.Service.ClusterName,
		"service":              t.Service.ServiceName,
		"backchannelLogoutUrl": t.BackchannelLogoutUrl,
	}); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *RegionalTopology) build(ctx *pulumi.Context, name string, a RegionalTopologyArgs) error {
	child := pulumi.Parent(t)
	var err error
	t.Network, err = NewNetwork(ctx, name+"-net", &NetworkArgs{
		Account:              a.Account,
		AvailabilityZones:    a.AvailabilityZones,
		NatGateways:          a.NatGateways,
		FIPS:                 a.FIPS,
		LogKeyArn:            a.Keys.LogsArn,
		FlowLogRetentionDays: a.LogRetentionDays,
		Provider:             a.Provider,
		Tags:                 a.Tags,
	}, child)
	if err != nil {
		return err
	}
	t.Registry, err = NewRegistry(ctx, name+"-bff", &RegistryArgs{
		KmsKeyArn:   a.Keys.DataArn,
		ForceDelete: a.AllowDeletion,
		Tags:        a.Tags,
	}, child)
	if err != nil {
		return err
	}
	if t.Image, err = t.Registry.PinnedImage(ctx, PinnedImageArgs{Digest: a.ImageDigest, Push: a.ImagePush, FIPS: a.FIPS}); err != nil {
		return err
	}
	t.LoadBalancer, err = NewLoadBalancer(ctx, name+"-alb", &LoadBalancerArgs{
		Account:                a.Account,
		VpcId:                  t.Network.VpcId,
		VpcCidr:                t.Network.CidrBlock,
		SubnetIds:              t.Network.PublicSubnetIds,
		CertificateArn:         a.CertificateArn,
		TlsPolicy:              a.TlsPolicy,
		AllowedCidrs:           a.AllowedCidrs,
		TargetPort:             8080,
		WebAclArn:              a.WebAclArn,
		MtlsCaBundlePEM:        a.MtlsCaBundlePEM,
		BackchannelLogout:      a.BackchannelLogout,
		TrustStoreKmsKeyArn:    a.Keys.DataArn,
		DomainName:             a.Domain,
		HostedZoneId:           a.HostedZoneId,
		AccessLogRetentionDays: a.LogRetentionDays,
		AllowDeletion:          a.AllowDeletion,
		Tags:                   a.Tags,
	}, child)
	if err != nil {
		return err
	}
	t.Url = pulumi.String("https://" + a.Domain).ToStringOutput()
	t.BackchannelLogoutUrl = t.LoadBalancer.BackchannelLogoutUrl

	env := map[string]pulumi.StringInput{}
	for k, v := range a.Environment {
		env[k] = v
	}
	mtls := "off"
	if a.MtlsCaBundlePEM != "" {
		mtls = "verify"
	}
	env["GATEHOUSE_MODE"] = pulumi.String("regional")
	env["GATEHOUSE_LISTEN_ADDR"] = pulumi.String(":8080")
	env["GATEHOUSE_SPA_DIR"] = pulumi.String("/srv/spa")
	env["GATEHOUSE_PUBLIC_URL"] = t.Url
	env["GATEHOUSE_SESSION_STORE"] = pulumi.String("dynamodb")
	env["GATEHOUSE_SESSION_TABLE"] = a.SessionTableName
	env["GATEHOUSE_MTLS"] = pulumi.String(mtls)
	env["AWS_REGION"] = pulumi.String(a.Account.Region)
	env["AWS_USE_FIPS_ENDPOINT"] = pulumi.String(strconv.FormatBool(a.FIPS))

	t.Service, err = NewService(ctx, name+"-bff", &ServiceArgs{
		Account:            a.Account,
		VpcId:              t.Network.VpcId,
		SubnetIds:          t.Network.PrivateSubnetIds,
		AlbSecurityGroupId: t.LoadBalancer.SecurityGroupId,
		TargetGroupArn:     t.LoadBalancer.TargetGroupArn,
		Image:              t.Image,
		RepositoryArn:      t.Registry.Arn,
		ContainerPort:      8080,
		Architecture:       a.Architecture,
		DesiredCount:       a.DesiredCount,
		MaxCount:           a.MaxCount,
		Environment:        env,
		Secrets:            a.Secrets,
		SessionTableArn:    a.SessionTableArn,
		SessionsKeyArn:     a.Keys.SessionsArn,
		DataKeyArn:         a.Keys.DataArn,
		LogKeyArn:          a.Keys.LogsArn,
		LogRetentionDays:   a.LogRetentionDays,
		EgressPorts:        a.EgressPorts,
		DependsOn:          []pulumi.Resource{t.LoadBalancer.HttpsListener, t.LoadBalancer.HttpListener},
		Tags:               a.Tags,
	}, child)
	return err
}
