package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/components"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Load reads the stack's configuration from Pulumi and validates it. Relative
// paths resolve against dir, or when it is empty against the project root the
// engine names, or the working directory.
func Load(ctx *pulumi.Context, dir string) (*Config, error) {
	if dir == "" {
		dir = ctx.RootDirectory()
	}
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("gatehouse: project directory: %w", err)
		}
		dir = wd
	}
	return Parse(ctx.Project(), ctx.Stack(), dir, Source{Get: ctx.GetConfig, IsSecret: ctx.IsConfigSecret})
}

// Source is where raw config values come from: Get returns a value
// ("namespace:key" → string, structured values as JSON) and IsSecret says
// whether it was stored encrypted.
type Source struct {
	Get      func(key string) (string, bool)
	IsSecret func(key string) bool
}

// Parse builds a Config from raw config values ("namespace:key" → string,
// structured values as JSON) and validates it, reporting every problem at once.
// Relative paths in the config are resolved against dir, the project directory.
func Parse(project, stack, dir string, src Source) (*Config, error) {
	var ps problems
	get := src.Get
	r := reader{get: get, ps: &ps}
	c := &Config{Project: project, Stack: stack, Dir: dir}

	c.Region = r.str("aws:region", "")
	if c.Region == "" {
		ps.add("aws:region", "required; set it with `pulumi config set aws:region us-east-1` (or us-gov-west-1 for GovCloud)")
	}
	c.Partition = components.PartitionForRegion(c.Region)
	defaultCompliance, defaultTopology := DefaultCompliance, TopologyEdge
	if c.IsGovCloud() {
		defaultCompliance, defaultTopology = "fedramp-high", TopologyRegional
	}
	c.Compliance = r.str(key("compliance"), defaultCompliance)
	c.Topology = r.str(key("topology"), defaultTopology)
	c.Domain = r.str(key("domain"), "")
	c.CertificateArn = r.str(key("certificateArn"), "")
	c.HostedZoneId = r.str(key("hostedZoneId"), "")
	c.CognitoDomainPrefix = r.str(key("cognitoDomainPrefix"), "")
	c.Mfa = r.str(key("mfa"), "")
	c.AdvancedSecurity = r.str(key("advancedSecurity"), "")
	c.CognitoFeaturePlan = r.str(key("cognitoFeaturePlan"), "")
	c.CpuArchitecture = r.str(key("cpuArchitecture"), components.ArchitectureFor(c.Partition, c.Compliance))
	c.Groups = r.strings(key("groups"))
	c.ApiScopes = r.strings(key("apiScopes"))
	c.SessionIdleTimeout = r.duration(key("sessionIdleTimeout"), DefaultSessionIdleTimeout)
	c.SessionAbsoluteTimeout = r.duration(key("sessionAbsoluteTimeout"), DefaultSessionAbsoluteTimeout)
	c.AccessTokenMinutes = r.int(key("accessTokenMinutes"), DefaultAccessTokenMinutes)
	c.WafRateLimit = r.int(key("wafRateLimit"), DefaultWafRateLimit)
	c.LogRetentionDays = r.int(key("logRetentionDays"), DefaultLogRetentionDays)
	c.SampleTodo = r.bool(key("sampleTodo"), false)
	c.AlbTlsPolicy = r.str(key("albTlsPolicy"), DefaultAlbTlsPolicy)
	c.AllowedCidrs = r.strings(key("allowedCidrs"))
	if len(c.AllowedCidrs) == 0 {
		c.AllowedCidrs = []string{"0.0.0.0/0"}
	}
	c.DesiredCount = r.int(key("desiredCount"), DefaultDesiredCount)
	c.ReservedConcurrency = r.int(key("reservedConcurrency"), 0)
	c.LambdaConcurrencyQuota = r.int(key("lambdaConcurrencyQuota"), 0)
	if c.SpaDist = r.str(key("spaDist"), ""); c.SpaDist != "" && !filepath.IsAbs(c.SpaDist) {
		c.SpaDist = filepath.Join(dir, c.SpaDist)
	}
	c.Mtls = Mtls{Mode: DefaultMtlsMode}
	r.json(key("mtls"), &c.Mtls)
	if c.Mtls.Mode == "" {
		c.Mtls.Mode = DefaultMtlsMode
	}
	if c.Mtls.CaBundleFile != "" && !filepath.IsAbs(c.Mtls.CaBundleFile) {
		c.Mtls.CaBundleFile = filepath.Join(dir, c.Mtls.CaBundleFile)
	}
	c.Routes = r.routes(key("routes"))
	if _, ok := r.raw(key("backchannelLogout")); ok {
		c.Backchannel = &Backchannel{}
		r.json(key("backchannelLogout"), c.Backchannel)
		if c.Backchannel.Port == 0 {
			c.Backchannel.Port = components.DefaultBackchannelLogoutPort
		}
	}
	if _, ok := r.raw(key("federation")); ok {
		c.Federation = &Federation{}
		r.json(key("federation"), c.Federation)
		c.Federation.ClientSecret = r.str(key("federationClientSecret"), "")
	}
	if _, set := r.raw(key("federationClientSecret")); set && src.IsSecret != nil && !src.IsSecret(key("federationClientSecret")) {
		ps.add(key("federationClientSecret"), "is stored in plain text; set it with `pulumi config set --secret gatehouse:federationClientSecret`")
	}

	validate(c, &ps)
	if len(ps) > 0 {
		return nil, &ConfigError{Stack: stack, Problems: ps}
	}
	return c, nil
}

func key(name string) string { return ConfigNamespace + ":" + name }

// reader parses raw values, recording a problem (and keeping the default)
// for each value it cannot read.
type reader struct {
	get func(string) (string, bool)
	ps  *problems
}

// raw returns a value that is set. Empty values, including the "" [] {}
// defaults Pulumi.yaml declares so the CLI never asks for a key, are unset.
func (r reader) raw(k string) (string, bool) {
	v, ok := r.get(k)
	v = strings.TrimSpace(v)
	switch v {
	case "", "[]", "{}":
		return "", false
	}
	return v, ok
}

func (r reader) str(k, def string) string {
	if v, ok := r.raw(k); ok {
		return v
	}
	return def
}

func (r reader) int(k string, def int) int {
	v, ok := r.raw(k)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.ps.add(k, "%q is not a whole number", v)
		return def
	}
	return n
}

func (r reader) bool(k string, def bool) bool {
	v, ok := r.raw(k)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.ps.add(k, "%q is not true or false", v)
		return def
	}
	return b
}

func (r reader) duration(k string, def time.Duration) time.Duration {
	v, ok := r.raw(k)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.ps.add(k, "%q is not a positive duration; write it like 15m or 12h", v)
		return def
	}
	return d
}

// strings accepts a JSON list or a comma-separated value.
func (r reader) strings(k string) []string {
	v, ok := r.raw(k)
	if !ok {
		return nil
	}
	if strings.HasPrefix(v, "[") {
		var out []string
		if err := json.Unmarshal([]byte(v), &out); err != nil {
			r.ps.add(k, "is not a list of strings: %v", err)
		}
		return out
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (r reader) json(k string, into any) {
	v, ok := r.raw(k)
	if !ok {
		return
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		r.ps.add(k, "cannot be read: %v", err)
	}
}

// rawRoute is a route as written in config: the timeout as a duration string.
type rawRoute struct {
	Route
	Timeout string `json:"timeout,omitempty"`
}

func (r reader) routes(k string) []Route {
	var raws []rawRoute
	r.json(k, &raws)
	out := make([]Route, 0, len(raws))
	for i, raw := range raws {
		route := raw.Route
		route.Timeout = DefaultRouteTimeout
		if raw.Timeout != "" {
			d, err := time.ParseDuration(raw.Timeout)
			if err != nil || d <= 0 {
				r.ps.add(fmt.Sprintf("%s[%d].timeout", k, i), "%q is not a positive duration; write it like 10s", raw.Timeout)
			} else {
				route.Timeout = d
			}
		}
		if route.MaxBodyBytes == 0 {
			route.MaxBodyBytes = DefaultRouteMaxBodyBytes
		}
		out = append(out, route)
	}
	return out
}
