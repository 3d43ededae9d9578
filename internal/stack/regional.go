package stack

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/components"
	"github.com/gatehouse/gatehouse/internal/artifacts"
	"github.com/gatehouse/gatehouse/internal/image"
)

// deployRegional is the GovCloud pattern: Route 53 → ALB (FIPS TLS, optional
// mTLS, Regional WAF) → Fargate tasks running one image that serves the SPA
// and the BFF.
func deployRegional(ctx *pulumi.Context, cfg *Config, shared *Shared) error {
	publicURL := "https://" + cfg.Domain
	identity, err := newIdentity(ctx, cfg, shared, pulumi.String(publicURL))
	if err != nil {
		return err
	}
	img, err := buildRegionalImage(ctx.Context(), ctx.RootDirectory(), components.GoArch(cfg.CpuArchitecture))
	if err != nil {
		return err
	}
	caBundle := ""
	if cfg.Mtls.Mode == "verify" {
		pemBytes, err := os.ReadFile(cfg.Mtls.CaBundleFile)
		if err != nil {
			return fmt.Errorf("gatehouse:mtls caBundleFile: %w", err)
		}
		caBundle = string(pemBytes)
	}
	dataKey, err := components.NewSessionDataKey(ctx, cfg.Prefix()+"-session-data-key", shared.Keys.SessionsArn, pulumi.Provider(shared.Provider))
	if err != nil {
		return err
	}

	var backchannel *components.BackchannelLogoutArgs
	if b := cfg.Backchannel; b != nil {
		backchannel = &components.BackchannelLogoutArgs{Port: b.Port, Cidrs: b.Cidrs}
	}
	topology, err := components.NewRegionalTopology(ctx, cfg.Prefix(), &components.RegionalTopologyArgs{
		Account:           shared.Account,
		FIPS:              cfg.FIPSEndpoints(),
		Architecture:      cfg.CpuArchitecture,
		BackchannelLogout: backchannel,
		Domain:            cfg.Domain,
		CertificateArn:    cfg.CertificateArn,
		HostedZoneId:      cfg.HostedZoneId,
		TlsPolicy:         cfg.AlbTlsPolicy,
		AllowedCidrs:      cfg.AllowedCidrs,
		MtlsCaBundlePEM:   caBundle,
		DesiredCount:      cfg.DesiredCount,
		NatGateways:       natGateways(cfg),
		LogRetentionDays:  cfg.LogRetentionDays,
		Keys:              shared.Keys,
		WebAclArn:         shared.WebAcl.Arn,
		SessionTableName:  shared.SessionTable.Name,
		SessionTableArn:   shared.SessionTable.Arn,
		ImageDigest:       img.Digest.String(),
		ImageArch:         img.Platform.Architecture,
		ImagePush:         pushWith(img),
		Environment: map[string]pulumi.StringInput{
			"GATEHOUSE_OIDC_ISSUER":              identity.IssuerUrl,
			"GATEHOUSE_OIDC_JWKS_URL":            identity.JwksUrl,
			"GATEHOUSE_OIDC_CLIENT_ID":           identity.ClientId,
			"GATEHOUSE_COGNITO_DOMAIN":           identity.HostedUiUrl,
			"GATEHOUSE_SESSION_IDLE_TIMEOUT":     pulumi.String(cfg.SessionIdleTimeout.String()),
			"GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT": pulumi.String(cfg.SessionAbsoluteTimeout.String()),
			"GATEHOUSE_DATA_KEY_CIPHERTEXT":      dataKey.CiphertextBlob,
			"GATEHOUSE_ROUTES":                   components.RoutesJSON(apiRoutes(cfg.Routes)),
		},
		Secrets: map[string]pulumi.StringInput{
			"GATEHOUSE_OIDC_CLIENT_SECRET": identity.ClientSecretArn,
		},
		EgressPorts: egressPorts(cfg.Routes),
		Provider:    shared.Provider,
		Tags:        shared.Tags,
	}, pulumi.Provider(shared.Provider))
	if err != nil {
		return err
	}
	ctx.Export("url", topology.Url)
	ctx.Export("image", topology.Image)
	ctx.Export("imageDigest", pulumi.String(img.Digest.String()))
	ctx.Export("albDnsName", topology.LoadBalancer.DnsName)
	ctx.Export("ecsCluster", topology.Service.ClusterName)
	ctx.Export("ecsService", topology.Service.ServiceName)
	ctx.Export("userPoolId", identity.UserPoolId)
	if backchannel != nil {
		ctx.Export("backchannelLogoutUrl", topology.BackchannelLogoutUrl)
	}
	return nil
}

// natGateways gives each AZ its own egress under fedramp-high (losing one AZ
// must not cut the other's IdP and upstream calls) and shares one elsewhere.
func natGateways(cfg *Config) string {
	if cfg.FIPS() {
		return components.NatOnePerAz
	}
	return components.NatSingle
}

// buildRegionalImage builds the SPA (when stale), the BFF binary for GOARCH
// arch and the image from the checkout the program runs in. The digest is
// known before anything is pushed.
func buildRegionalImage(goctx context.Context, projectDir, arch string) (*image.Image, error) {
	moduleRoot, err := artifacts.ModuleRoot(projectDir)
	if err != nil {
		return nil, err
	}
	spaDir, err := artifacts.EnsureSPA(goctx, artifacts.SPABuild{Dir: filepath.Join(moduleRoot, "frontend")})
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "gatehouse-image-")
	if err != nil {
		return nil, fmt.Errorf("gatehouse: image: %w", err)
	}
	defer os.RemoveAll(work) // Build keeps the layers in memory
	binary := filepath.Join(work, "bff")
	if err := image.BuildBinary(goctx, image.BinaryOptions{ModuleDir: moduleRoot, Arch: arch, Out: binary}); err != nil {
		return nil, err
	}
	return image.Build(image.Options{BinaryFile: binary, SPADir: spaDir, Arch: arch})
}

func pushWith(img *image.Image) components.ImagePusher {
	return func(goctx context.Context, repositoryUrl string, auth components.RegistryAuth) error {
		_, err := image.Push(goctx, img, repositoryUrl, image.PushOptions{
			Auth: authn.FromConfig(authn.AuthConfig{Username: auth.Username, Password: auth.Password}),
		})
		return err
	}
}

// egressPorts opens 443 (AWS endpoints, the IdP) plus any explicit port an
// upstream uses, and nothing else.
func egressPorts(routes []Route) []int {
	ports := []int{443}
	for _, r := range routes {
		u, err := url.Parse(r.Upstream)
		if err != nil || u.Port() == "" {
			continue
		}
		if p, err := strconv.Atoi(u.Port()); err == nil && !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	slices.Sort(ports)
	return ports
}
