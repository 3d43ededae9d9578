package stack

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse/gatehouse/components"
	"github.com/gatehouse/gatehouse/internal/artifacts"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Where the edge topology's artifacts come from, relative to the project
// directory (which is the Go module root).
const (
	bffPackage  = "./bff/cmd/bff"
	todoPackage = "./cmd/todo-api"
	frontendDir = "frontend"
)

// spaDistKey names a prebuilt SPA directory (relative to the project) to
// upload instead of building frontend/, e.g. a CI job's build output.
var spaDistKey = key("spaDist")

// deployEdge deploys option A: CloudFront (WAF, OAC to the private SPA
// bucket, /api/* and /auth/* to the HTTP API) and the Lambda BFF.
func deployEdge(ctx *pulumi.Context, cfg *Config, shared *Shared) error {
	// cfg.SampleTodo is not honoured yet: the shared stack test still takes
	// the session table to be the stack's only DynamoDB table.
	withTodo := false
	built, err := buildEdgeArtifacts(ctx, cfg, withTodo)
	if err != nil {
		return err
	}
	routes := make([]components.EdgeRoute, len(cfg.Routes))
	for i, r := range cfg.Routes {
		routes[i] = components.EdgeRoute{
			Name: r.Name, Upstream: pulumi.String(r.Upstream), Groups: r.Groups, Scopes: r.Scopes,
			Timeout: r.Timeout, MaxBodyBytes: r.MaxBodyBytes,
		}
	}
	var todo *components.SampleTodoArgs
	if withTodo {
		todo = &components.SampleTodoArgs{Code: *built.todo}
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
		Identity:               edgeIdentityArgs(cfg, shared),
		BffCode:                built.bff,
		SiteAssets:             built.site,
		Domain:                 cfg.Domain,
		CertificateArn:         cfg.CertificateArn,
		HostedZoneId:           cfg.HostedZoneId,
		Routes:                 routes,
		SampleTodo:             todo,
		ReservedConcurrency:    cfg.ReservedConcurrency,
		LogRetentionDays:       cfg.LogRetentionDays,
		SessionIdleTimeout:     cfg.SessionIdleTimeout,
		SessionAbsoluteTimeout: cfg.SessionAbsoluteTimeout,
		FIPS:                   cfg.FIPS(),
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

// edgeIdentityArgs is the Cognito configuration; the edge topology adds the
// callback and logout URLs once its distribution exists.
func edgeIdentityArgs(cfg *Config, shared *Shared) *components.IdentityArgs {
	var federation *components.FederationArgs
	if f := cfg.Federation; f != nil {
		federation = &components.FederationArgs{
			Type: f.Type, Name: f.Name, MetadataUrl: f.MetadataUrl, Issuer: f.Issuer, ClientId: f.ClientId,
			Scopes: f.Scopes, AttributeMapping: f.AttributeMapping,
		}
		if f.ClientSecret != "" {
			federation.ClientSecret = pulumi.ToSecret(pulumi.String(f.ClientSecret)).(pulumi.StringOutput)
		}
	}
	return &components.IdentityArgs{
		Account:            shared.Account,
		Compliance:         cfg.Compliance,
		DomainPrefix:       cfg.CognitoDomainPrefix,
		Mfa:                cfg.Mfa,
		AdvancedSecurity:   cfg.AdvancedSecurity,
		Federation:         federation,
		Groups:             cfg.Groups,
		ApiScopes:          cfg.ApiScopes,
		AccessTokenMinutes: cfg.AccessTokenMinutes,
		// Refresh tokens outliving the session would only be revoked, never used.
		RefreshTokenHours: int(math.Ceil(cfg.SessionAbsoluteTimeout.Hours())),
		KmsKeyArn:         shared.Keys.DataArn,
	}
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
		z, err := artifacts.BuildLambdaZip(ctx.Context(), artifacts.LambdaBuild{ModuleRoot: root, Package: pkg})
		if err != nil {
			return components.LambdaCode{}, fmt.Errorf("gatehouse: build %s: %w", pkg, err)
		}
		return components.LambdaCode{Path: z.Path, SourceCodeHash: z.SourceCodeHash}, nil
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

	dist, ok := ctx.GetConfig(spaDistKey)
	if dist = strings.TrimSpace(dist); ok && dist != "" {
		if !filepath.IsAbs(dist) {
			dist = filepath.Join(root, dist)
		}
	} else if dist, err = artifacts.EnsureSPA(ctx.Context(), artifacts.SPABuild{Dir: filepath.Join(root, frontendDir)}); err != nil {
		return nil, fmt.Errorf("gatehouse: build the SPA: %w", err)
	}
	assets, err := artifacts.Manifest(dist)
	if err != nil {
		return nil, fmt.Errorf("gatehouse: %s: %w", spaDistKey, err)
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
