// Package stack is the Gatehouse program: it reads and validates a stack's
// configuration, creates the shared components and deploys the topology the
// configuration names.
package stack

import (
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/components"
)

// Topologies.
const (
	TopologyEdge     = "edge"
	TopologyRegional = "regional"
)

// ConfigNamespace is the Pulumi config namespace of every Gatehouse key.
const ConfigNamespace = "gatehouse"

// Defaults live here and only here; Pulumi.yaml documents the same values
// (a test keeps the two in step).
const (
	DefaultCompliance             = "none"
	DefaultSessionIdleTimeout     = 15 * time.Minute
	DefaultSessionAbsoluteTimeout = 12 * time.Hour
	DefaultWafRateLimit           = 2000
	DefaultLogRetentionDays       = 365
	DefaultAlbTlsPolicy           = "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04"
	DefaultDesiredCount           = 2
	DefaultAccessTokenMinutes     = 15
	DefaultRouteTimeout           = 10 * time.Second
	DefaultRouteMaxBodyBytes      = 1 << 20
	DefaultMtlsMode               = "off"
	// LambdaUnreservedMinimum is what a reservation must leave of the
	// account's concurrency quota for the functions that reserve none.
	LambdaUnreservedMinimum = 100
	// SampleTodoReservedConcurrency is the sample ToDo API's reservation,
	// made only when the BFF reserves too.
	SampleTodoReservedConcurrency = 10
)

// Config is one stack's validated configuration.
type Config struct {
	Project, Stack string
	// Dir is the project directory; relative paths in the config are resolved against it.
	Dir string
	// Region is aws:region; Partition is derived from it.
	Region, Partition string
	// Compliance is "none" or "fedramp-high". Defaults to fedramp-high in
	// aws-us-gov and none elsewhere.
	Compliance string
	// Topology is "edge" or "regional". Defaults to edge in aws and regional
	// in aws-us-gov.
	Topology string
	// Domain is the app's host name; CertificateArn its ACM certificate
	// (us-east-1 for edge); HostedZoneId, when set, gets an alias record.
	Domain, CertificateArn, HostedZoneId string
	// CognitoDomainPrefix is the hosted-UI prefix. Defaults to one unique to
	// the account (components.DefaultDomainPrefix), chosen at deploy time.
	CognitoDomainPrefix string
	// Mfa is ON or OPTIONAL. Defaults to ON under fedramp-high, else OPTIONAL.
	Mfa string
	// AdvancedSecurity is ENFORCED, AUDIT or OFF. Defaults to ENFORCED under
	// fedramp-high outside GovCloud, OFF elsewhere.
	AdvancedSecurity string
	// CognitoFeaturePlan is LITE, ESSENTIALS or PLUS. Defaults to PLUS with
	// advanced security, ESSENTIALS otherwise.
	CognitoFeaturePlan string
	// Federation is an optional external IdP.
	Federation *Federation
	// Groups are Cognito groups to create.
	Groups []string
	// ApiScopes are the downstream API's OAuth scopes.
	ApiScopes []string
	// SessionIdleTimeout and SessionAbsoluteTimeout are enforced by the BFF (AC-11, AC-12).
	SessionIdleTimeout, SessionAbsoluteTimeout time.Duration
	// AccessTokenMinutes is the Cognito access and ID token life.
	AccessTokenMinutes int
	// WafRateLimit is requests per 5 minutes per IP.
	WafRateLimit int
	// LogRetentionDays applies to every log group.
	LogRetentionDays int
	// Routes are the BFF's /api/<name>/* upstreams.
	Routes []Route
	// SampleTodo deploys the sample ToDo API as a route.
	SampleTodo bool
	// Mtls configures ALB mutual TLS (regional only).
	Mtls Mtls
	// AlbTlsPolicy is the HTTPS listener policy (regional).
	AlbTlsPolicy string
	// AllowedCidrs may reach the ALB (regional). Defaults to 0.0.0.0/0.
	AllowedCidrs []string
	// DesiredCount is the number of Fargate tasks (regional), at least 2.
	DesiredCount int
	// ReservedConcurrency reserves BFF Lambda concurrency (edge). Defaults to
	// none; required under fedramp-high (SC-5).
	ReservedConcurrency int
	// LambdaConcurrencyQuota is the account's Lambda concurrency quota in the
	// region, required with ReservedConcurrency so the reservation is checked
	// against it before anything is created.
	LambdaConcurrencyQuota int
	// CpuArchitecture is arm64 or x86_64, for the Lambda functions or the
	// Fargate tasks and the binaries built for them. Defaults to x86_64
	// under fedramp-high in aws-us-gov (Fargate FIPS mode), arm64 elsewhere.
	CpuArchitecture string
	// Backchannel, when set, opens the back-channel logout listener (regional
	// with mTLS verify).
	Backchannel *Backchannel
	// SpaDist is a prebuilt SPA directory to upload or serve instead of
	// building frontend/ (e.g. a CI job's build output). Defaults to building it.
	SpaDist string
}

// Route is one allow-listed downstream API.
type Route struct {
	Name         string        `json:"name"`
	Upstream     string        `json:"upstream"`
	Groups       []string      `json:"groups,omitempty"`
	Scopes       []string      `json:"scopes,omitempty"`
	Timeout      time.Duration `json:"-"`
	MaxBodyBytes int64         `json:"maxBodyBytes,omitempty"`
}

// Mtls is the ALB mutual-TLS setting.
type Mtls struct {
	// Mode is "off" or "verify".
	Mode string `json:"mode"`
	// CaBundleFile is a PEM file of the CAs that issue client certificates
	// (PIV/CAC), relative to the project directory.
	CaBundleFile string `json:"caBundleFile"`
}

// Backchannel is the back-channel logout listener: the IdP's egress ranges
// and the port it calls.
type Backchannel struct {
	Cidrs []string `json:"cidrs"`
	Port  int      `json:"port,omitempty"`
}

// Federation is an external identity provider for Cognito.
type Federation struct {
	Type             string            `json:"type"`
	Name             string            `json:"name"`
	MetadataUrl      string            `json:"metadataUrl,omitempty"`
	Issuer           string            `json:"issuer,omitempty"`
	ClientId         string            `json:"clientId,omitempty"`
	Scopes           string            `json:"scopes,omitempty"`
	AttributeMapping map[string]string `json:"attributeMapping,omitempty"`
	// ClientSecret comes from the secret key gatehouse:federationClientSecret.
	ClientSecret string `json:"-"`
}

// FIPS reports whether the stack is under fedramp-high, which needs FIPS
// endpoints, FIPS TLS and FIPS-validated compute.
func (c *Config) FIPS() bool { return c.Compliance == "fedramp-high" }

// FIPSEndpoints reports whether AWS API calls use FIPS endpoints: under
// fedramp-high, and always in GovCloud, where some services (Cognito) have
// no other endpoint.
func (c *Config) FIPSEndpoints() bool { return c.FIPS() || c.IsGovCloud() }

// TotalReservedConcurrency is what the stack's Lambda functions reserve.
func (c *Config) TotalReservedConcurrency() int {
	if c.ReservedConcurrency == 0 {
		return 0
	}
	if c.SampleTodo {
		return c.ReservedConcurrency + SampleTodoReservedConcurrency
	}
	return c.ReservedConcurrency
}

// WafRoutes are the routes and body limits the web ACL must let through.
func (c *Config) WafRoutes() []components.WafRoute {
	var out []components.WafRoute
	for _, r := range c.Routes {
		out = append(out, components.WafRoute{Name: r.Name, MaxBodyBytes: r.MaxBodyBytes})
	}
	if c.SampleTodo {
		for _, name := range components.SampleTodoRouteNames {
			out = append(out, components.WafRoute{Name: name, MaxBodyBytes: DefaultRouteMaxBodyBytes})
		}
	}
	return out
}

// IsGovCloud reports whether the stack deploys into aws-us-gov.
func (c *Config) IsGovCloud() bool { return c.Partition == "aws-us-gov" }

// Prefix names the stack's resources: <project>-<stack>.
func (c *Config) Prefix() string { return c.Project + "-" + c.Stack }

// PublicHost is the configured domain, or "" when the topology's own host
// name (CloudFront's) is used.
func (c *Config) PublicHost() string { return c.Domain }

// apiRoutes are the configured routes as the components take them.
func apiRoutes(routes []Route) []components.ApiRoute {
	out := make([]components.ApiRoute, len(routes))
	for i, r := range routes {
		out[i] = components.ApiRoute{
			Name: r.Name, Upstream: pulumi.String(r.Upstream), Groups: r.Groups, Scopes: r.Scopes,
			Timeout: r.Timeout, MaxBodyBytes: r.MaxBodyBytes,
		}
	}
	return out
}
