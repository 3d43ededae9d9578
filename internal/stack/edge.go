package stack

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/components"
	"github.com/gatehouse/gatehouse/internal/artifacts"
)

// Where the edge topology's artifacts come from, relative to the project
// directory (which is the Go module root).
const (
	bffPackage  = "./bff/cmd/bff"
	todoPackage = "./cmd/todo-api"
	frontendDir = "frontend"
)

// deployEdge deploys the edge topology: CloudFront (WAF, OAC to the private SPA
// bucket, /api/* and /auth/* to the HTTP API) and the Lambda BFF.
func deployEdge(ctx *pulumi.Context, cfg *Config, shared *Shared) error {
	built, err := buildEdgeArtifacts(ctx, cfg, cfg.SampleTodo)
	if err != nil {
		return err
	}
	routes := apiRoutes(cfg.Routes)
	var todo *components.SampleTodoArgs
	if cfg.SampleTodo {
		todo = &components.SampleTodoArgs{Code: *built.todo}
		if cfg.ReservedConcurrency > 0 {
			todo.ReservedConcurrency = SampleTodoReservedConcurrency
		}
	}

	edge, err := components.NewEdgeTopology(ctx, cfg.Prefix(), &components.EdgeTopologyArgs{
		Account:                shared.Account,
		UsEast1:                shared.UsEast1,
		DataKeyArn:             shared.Keys.DataArn,
		LogsKeyArn:             shared.Keys.LogsArn,
		SessionsKeyArn:         shared.Keys.SessionsArn,
		WebAclArn:              shared.WebAcl.Arn,
		SessionTableName:       shared.SessionTable.Name,
		SessionTableArn:        shared.SessionTable.Arn,
		Identity:               identityArgs(cfg, shared),
		BffCode:                built.bff,
		SiteAssets:             built.site,
		Domain:                 cfg.Domain,
		CertificateArn:         cfg.CertificateArn,
		HostedZoneId:           cfg.HostedZoneId,
		Routes:                 routes,
		SampleTodo:             todo,
		ReservedConcurrency:    cfg.ReservedConcurrency,
		Architecture:           cfg.CpuArchitecture,
		LogRetentionDays:       cfg.LogRetentionDays,
		SessionIdleTimeout:     cfg.SessionIdleTimeout,
		SessionAbsoluteTimeout: cfg.SessionAbsoluteTimeout,
		FIPS:                   cfg.FIPSEndpoints(),
	}, pulumi.Provider(shared.Provider))
	if err != nil {
		return err
	}

	ctx.Export("url", edge.Url)
	ctx.Export("callbackUrl", edge.CallbackUrl)
	ctx.Export("distributionId", edge.Distribution.ID())
	ctx.Export("distributionDomain", edge.Distribution.DomainName)
	ctx.Export("apiEndpoint", edge.Api.ApiEndpoint)
	ctx.Export("bffFunctionName", edge.Function.Name)
	ctx.Export("siteBucket", edge.SiteBucket.Name)
	ctx.Export("userPoolId", edge.Identity.UserPoolId)
	ctx.Export("clientId", edge.Identity.ClientId)
	return nil
}

// edgeArtifacts are the built Lambda zips and the SPA's files.
type edgeArtifacts struct {
	bff  components.LambdaCode
	todo *components.LambdaCode
	site []components.SiteAsset
}

// buildEdgeArtifacts builds everything the topology uploads from the
// checkout, so `pulumi up` needs no separate build step. Go's build cache
// and the SPA's staleness check keep a no-change preview fast, and the
// reproducible zips keep it diff-free.
func buildEdgeArtifacts(ctx *pulumi.Context, cfg *Config, withTodo bool) (*edgeArtifacts, error) {
	root, err := checkoutRoot(cfg.Dir)
	if err != nil {
		return nil, err
	}
	var out edgeArtifacts
	lambdaZip := func(pkg string) (components.LambdaCode, error) {
		z, err := artifacts.BuildLambdaZip(ctx.Context(), artifacts.LambdaBuild{ModuleRoot: root, Package: pkg, Arch: components.GoArch(cfg.CpuArchitecture)})
		if err != nil {
			return components.LambdaCode{}, fmt.Errorf("gatehouse: build %s: %w", pkg, err)
		}
		return components.LambdaCode{Path: z.Path, SourceCodeHash: z.SourceCodeHash, Arch: components.GoArch(cfg.CpuArchitecture)}, nil
	}
	if out.bff, err = lambdaZip(bffPackage); err != nil {
		return nil, err
	}
	if withTodo {
		todo, err := lambdaZip(todoPackage)
		if err != nil {
			return nil, err
		}
		out.todo = &todo
	}

	dist := cfg.SpaDist
	if dist == "" {
		if dist, err = artifacts.EnsureSPA(ctx.Context(), artifacts.SPABuild{Dir: filepath.Join(root, frontendDir)}); err != nil {
			return nil, fmt.Errorf("gatehouse: build the SPA: %w", err)
		}
	}
	assets, err := artifacts.Manifest(dist)
	if err != nil {
		return nil, fmt.Errorf("gatehouse: the SPA in %s: %w", dist, err)
	}
	for _, a := range assets {
		out.site = append(out.site, components.SiteAsset{
			Key: a.Key, Path: a.Path, ContentType: a.ContentType, CacheControl: a.CacheControl, SHA256: a.SHA256,
		})
	}
	return &out, nil
}

// checkoutRoot is the project directory when it is the module root, as under
// `pulumi up`; an engine that reports another directory (or none) gets the
// module around the working directory.
func checkoutRoot(projectDir string) (string, error) {
	if projectDir != "" {
		if _, err := os.Stat(filepath.Join(projectDir, "go.mod")); err == nil {
			return projectDir, nil
		}
	}
	root, err := artifacts.ModuleRoot(".")
	if err != nil {
		return "", fmt.Errorf("gatehouse: the edge topology builds its artifacts from the Gatehouse checkout: %w", err)
	}
	return root, nil
}
