package stack

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

func deployEdge(ctx *pulumi.Context, cfg *Config, shared *Shared) error {
	host := cfg.Domain
	if host == "" {
		host = "localhost"
	}
	_, err := newIdentity(ctx, cfg, shared, pulumi.String("https://"+host))
	return err
}
