package components

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awsxec2 "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NAT gateway strategies of NetworkArgs.NatGateways.
const (
	NatOnePerAz = "OnePerAz"
	NatSingle   = "Single"
)

// DefaultInterfaceEndpoints are the services the Fargate task and the ECS
// agent call: image pulls (ecr.api, ecr.dkr; layers come from S3 through the
// gateway endpoint), logs, secrets, the session data key and STS.
var DefaultInterfaceEndpoints = []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts"}

// gatewayEndpoints are free and keep S3 (image layers) and DynamoDB (sessions)
// traffic off the NAT gateways.
var gatewayEndpoints = []string{"s3", "dynamodb"}

// NetworkArgs configures the regional topology's VPC.
type NetworkArgs struct {
	// Account is the looked-up partition, account and region. Required.
	Account *Account
	// CidrBlock is the VPC's IPv4 range. Defaults to 10.0.0.0/16.
	CidrBlock string
	// AvailabilityZones is how many AZs get a public and a private subnet.
	// Defaults to 2; at least 2 (the ALB and the service need two).
	AvailabilityZones int
	// NatGateways is OnePerAz or Single. Defaults to OnePerAz, so losing one
	// AZ never cuts the other's egress.
	NatGateways string
	// InterfaceEndpoints are the AWS services reached through PrivateLink
	// (service suffixes such as "ecr.api"). Defaults to DefaultInterfaceEndpoints.
	InterfaceEndpoints []string
	// FIPS adds the kms-fips endpoint, which AWS SDKs configured for FIPS
	// endpoints (AWS_USE_FIPS_ENDPOINT) call. Defaults to false.
	FIPS bool
	// LogKeyArn is the log CMK for the flow-log group. Required.
	LogKeyArn pulumi.StringInput
	// FlowLogRetentionDays is the flow-log retention. Defaults to 365.
	FlowLogRetentionDays int
	// Provider is the AWS provider of the awsx VPC's own children (subnets,
	// route tables, NAT gateways). A multi-language component does not inherit
	// providers from its parents, so without it those would use the default
	// provider, without FIPS endpoints or default tags. Defaults to none.
	Provider pulumi.ProviderResource
	// Tags are added to every taggable child. Defaults to none.
	Tags map[string]string
}

// Network is a VPC with private subnets, PrivateLink endpoints, flow logs and
// a default security group with no rules.
type Network struct {
	pulumi.ResourceState

	VpcId                   pulumi.StringOutput
	CidrBlock               string
	PrivateSubnetIds        pulumi.StringArrayOutput
	PublicSubnetIds         pulumi.StringArrayOutput
	EndpointSecurityGroupId pulumi.StringOutput
	FlowLogGroupArn         pulumi.StringOutput
}

func (a *NetworkArgs) withDefaults() NetworkArgs {
	out := *a
	if out.CidrBlock == "" {
		out.CidrBlock = "10.0.0.0/16"
	}
	if out.AvailabilityZones == 0 {
		out.AvailabilityZones = 2
	}
	if out.NatGateways == "" {
		out.NatGateways = NatOnePerAz
	}
	if out.InterfaceEndpoints == nil {
		out.InterfaceEndpoints = DefaultInterfaceEndpoints
	}
	if out.FIPS && !slices.Contains(out.InterfaceEndpoints, "kms-fips") {
		out.InterfaceEndpoints = append(append([]string{}, out.InterfaceEndpoints...), "kms-fips")
	}
	if out.FlowLogRetentionDays == 0 {
		out.FlowLogRetentionDays = DefaultLogRetentionDays
	}
	return out
}

func (a *NetworkArgs) validate() error {
	var errs []error
	if a.Account == nil {
		errs = append(errs, errors.New("Account is required (use LookupAccount)"))
	}
	if p, err := netip.ParsePrefix(a.CidrBlock); err != nil || !p.Addr().Is4() || p.Bits() > 20 || p.Bits() < 16 {
		errs = append(errs, fmt.Errorf("CidrBlock %q must be an IPv4 range from /16 to /20", a.CidrBlock))
	}
	if a.AvailabilityZones < 2 || a.AvailabilityZones > 6 {
		errs = append(errs, fmt.Errorf("AvailabilityZones is %d; use 2 to 6 (the ALB needs two)", a.AvailabilityZones))
	}
	if a.NatGateways != NatOnePerAz && a.NatGateways != NatSingle {
		errs = append(errs, fmt.Errorf("NatGateways %q must be %s or %s", a.NatGateways, NatOnePerAz, NatSingle))
	}
	if a.LogKeyArn == nil {
		errs = append(errs, errors.New("LogKeyArn is required: flow logs are encrypted with the log CMK"))
	}
	if !ValidLogRetention(a.FlowLogRetentionDays) {
		errs = append(errs, fmt.Errorf("FlowLogRetentionDays %d is not a CloudWatch Logs retention", a.FlowLogRetentionDays))
	}
	return joinErrors("network", errs)
}

// NewNetwork creates the VPC (awsx), closes its default security group, adds
// the VPC endpoints and turns on flow logs.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		args = &NetworkArgs{}
	}
	a := args.withDefaults()
	if err := a.validate(); err != nil {
		return nil, err
	}
	n := &Network{CidrBlock: a.CidrBlock}
	if err := ctx.RegisterComponentResource("gatehouse:network:Network", name, n, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(n)
	tags := pulumi.ToStringMap(a.Tags)

	strategy := awsxec2.NatGatewayStrategyOnePerAz
	if a.NatGateways == NatSingle {
		strategy = awsxec2.NatGatewayStrategySingle
	}
	azs := a.AvailabilityZones
	subnetStrategy := awsxec2.SubnetAllocationStrategyAuto
	vpc, err := awsxec2.NewVpc(ctx, name, &awsxec2.VpcArgs{
		CidrBlock:                 &a.CidrBlock,
		NumberOfAvailabilityZones: &azs,
		EnableDnsHostnames:        pulumi.Bool(true), // private DNS of interface endpoints needs both
		EnableDnsSupport:          pulumi.Bool(true),
		NatGateways:               &awsxec2.NatGatewayConfigurationArgs{Strategy: strategy},
		SubnetStrategy:            &subnetStrategy,
		SubnetSpecs: []awsxec2.SubnetSpecArgs{
			{Type: awsxec2.SubnetTypePublic, CidrMask: pulumi.IntRef(24)},
			{Type: awsxec2.SubnetTypePrivate, CidrMask: pulumi.IntRef(20)},
		},
		Tags: tags,
	}, vpcOptions(a, child)...)
	if err != nil {
		return nil, fmt.Errorf("components: network %s: vpc: %w", name, err)
	}
	n.VpcId, n.PrivateSubnetIds, n.PublicSubnetIds = vpc.VpcId, vpc.PrivateSubnetIds, vpc.PublicSubnetIds

	// Adopting the default security group with no rules closes it (SC-7):
	// anything launched without an explicit group gets no traffic at all.
	if _, err := ec2.NewDefaultSecurityGroup(ctx, name+"-default-sg", &ec2.DefaultSecurityGroupArgs{
		VpcId:   vpc.VpcId,
		Ingress: ec2.DefaultSecurityGroupIngressArray{},
		Egress:  ec2.DefaultSecurityGroupEgressArray{},
		Tags:    tags,
	}, child); err != nil {
		return nil, fmt.Errorf("components: network %s: default security group: %w", name, err)
	}

	if err := n.addEndpoints(ctx, name, a, vpc, tags, child); err != nil {
		return nil, err
	}
	if err := n.addFlowLogs(ctx, name, a, tags, child); err != nil {
		return nil, err
	}

	if err := ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":                   n.VpcId,
		"privateSubnetIds":        n.PrivateSubnetIds,
		"publicSubnetIds":         n.PublicSubnetIds,
		"endpointSecurityGroupId": n.EndpointSecurityGroupId,
		"flowLogGroupArn":         n.FlowLogGroupArn,
	}); err != nil {
		return nil, err
	}
	return n, nil
}

func vpcOptions(a NetworkArgs, child pulumi.ResourceOrInvokeOption) []pulumi.ResourceOption {
	opts := []pulumi.ResourceOption{child}
	if a.Provider != nil {
		opts = append(opts, pulumi.Providers(a.Provider))
	}
	return opts
}
