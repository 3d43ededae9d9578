package stack

import (
	"fmt"

	"github.com/gatehouse/gatehouse/components"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Shared is what every topology gets: the looked-up account, the regional
// provider, and the shared components.
type Shared struct {
	Account *components.Account
	// Provider is the stack's regional AWS provider (FIPS endpoints under fedramp-high).
	Provider pulumi.ProviderResource
	// UsEast1 is the provider for CloudFront-scoped resources (edge only; the
	// same as Provider when the stack is in us-east-1).
	UsEast1 pulumi.ProviderResource
	Keys    *components.Keys
	// GlobalLogKeyArn encrypts log groups that must live in us-east-1 (the
	// CloudFront-scoped WAF's); equal to Keys.LogsArn in us-east-1.
	GlobalLogKeyArn pulumi.StringOutput
	WebAcl          *components.WebAcl
	SessionTable    *components.SessionTable
	// Tags go on every resource through the providers' default tags.
	Tags map[string]string
}

// Deploy is the whole program: load and validate config, create the shared
// components, deploy the configured topology, export the outputs.
func Deploy(ctx *pulumi.Context) error { return DeployIn("")(ctx) }

// DeployIn is Deploy for the project in dir. Inline Automation API programs
// use it: the engine does not tell them their project directory.
func DeployIn(dir string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		cfg, err := Load(ctx, dir)
		if err != nil {
			return err
		}
		return deploy(ctx, cfg)
	}
}

func deploy(ctx *pulumi.Context, cfg *Config) error {
	shared, err := deployShared(ctx, cfg)
	if err != nil {
		return err
	}
	switch cfg.Topology {
	case TopologyEdge:
		err = deployEdge(ctx, cfg, shared)
	case TopologyRegional:
		err = deployRegional(ctx, cfg, shared)
	}
	if err != nil {
		return fmt.Errorf("gatehouse: %s topology: %w", cfg.Topology, err)
	}
	ctx.Export("partition", pulumi.String(shared.Account.Partition))
	ctx.Export("region", pulumi.String(shared.Account.Region))
	ctx.Export("topology", pulumi.String(cfg.Topology))
	ctx.Export("compliance", pulumi.String(cfg.Compliance))
	ctx.Export("sessionTableName", shared.SessionTable.Name)
	ctx.Export("dataKeyArn", shared.Keys.DataArn)
	ctx.Export("webAclArn", shared.WebAcl.Arn)
	return nil
}

func deployShared(ctx *pulumi.Context, cfg *Config) (*Shared, error) {
	tags := map[string]string{
		"gatehouse:stack":      cfg.Prefix(),
		"gatehouse:compliance": cfg.Compliance,
		"gatehouse:topology":   cfg.Topology,
	}
	provider, err := newProvider(ctx, cfg.Prefix(), cfg.Region, cfg.FIPSEndpoints(), tags)
	if err != nil {
		return nil, err
	}
	account, err := components.LookupAccount(ctx, pulumi.Provider(provider))
	if err != nil {
		return nil, err
	}
	if account.Partition != cfg.Partition {
		return nil, fmt.Errorf("gatehouse: aws:region %s implies partition %s, but the credentials are for %s; use credentials for the %s partition", cfg.Region, cfg.Partition, account.Partition, cfg.Partition)
	}
	inRegion := pulumi.Provider(provider)
	s := &Shared{Account: account, Provider: provider, UsEast1: provider, Tags: tags}

	if s.Keys, err = components.NewKeys(ctx, cfg.Prefix(), &components.KeysArgs{
		Account:                account,
		AllowCloudFrontDecrypt: cfg.Topology == TopologyEdge,
	}, inRegion); err != nil {
		return nil, err
	}
	s.GlobalLogKeyArn = s.Keys.LogsArn
	if s.SessionTable, err = components.NewSessionTable(ctx, cfg.Prefix()+"-sessions", &components.SessionTableArgs{
		KmsKeyArn: s.Keys.DataArn,
	}, inRegion); err != nil {
		return nil, err
	}

	wafScope, wafProvider := components.WafScopeRegional, inRegion
	if cfg.Topology == TopologyEdge {
		wafScope = components.WafScopeCloudFront
		if err := s.addUsEast1(ctx, cfg); err != nil {
			return nil, err
		}
		wafProvider = pulumi.Provider(s.UsEast1)
	}
	if s.WebAcl, err = components.NewWebAcl(ctx, cfg.Prefix()+"-waf", &components.WebAclArgs{
		Scope:            wafScope,
		RateLimit:        cfg.WafRateLimit,
		LogKeyArn:        s.GlobalLogKeyArn,
		LogRetentionDays: cfg.LogRetentionDays,
		Routes:           cfg.WafRoutes(),
	}, wafProvider); err != nil {
		return nil, err
	}
	return s, nil
}

// addUsEast1 gives an edge stack outside us-east-1 the provider and log key
// that CloudFront-scoped resources need there (KMS keys are regional).
func (s *Shared) addUsEast1(ctx *pulumi.Context, cfg *Config) error {
	if cfg.Region == "us-east-1" {
		return nil
	}
	p, err := newProvider(ctx, cfg.Prefix()+"-us-east-1", "us-east-1", cfg.FIPSEndpoints(), s.Tags)
	if err != nil {
		return err
	}
	global := *s.Account
	global.Region = "us-east-1"
	keys, err := components.NewKeys(ctx, cfg.Prefix()+"-global", &components.KeysArgs{Account: &global}, pulumi.Provider(p))
	if err != nil {
		return err
	}
	s.UsEast1, s.GlobalLogKeyArn = p, keys.LogsArn
	return nil
}

func newProvider(ctx *pulumi.Context, name, region string, fips bool, tags map[string]string) (*aws.Provider, error) {
	p, err := aws.NewProvider(ctx, name, &aws.ProviderArgs{
		Region:          pulumi.String(region),
		UseFipsEndpoint: pulumi.Bool(fips),
		DefaultTags:     aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(tags)},
	})
	if err != nil {
		return nil, fmt.Errorf("gatehouse: aws provider %s: %w", name, err)
	}
	return p, nil
}
