package components

import (
	"encoding/json"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ApiRoute is one downstream API the BFF proxies at /api/<Name>/*.
type ApiRoute struct {
	// Name becomes the path /api/<Name>/: lowercase letters, digits and dashes. Required.
	Name string
	// Upstream is the base URL requests are proxied to. Required.
	Upstream pulumi.StringInput
	// Groups and Scopes the user must have. Defaults to none.
	Groups, Scopes []string
	// Timeout is the upstream timeout. Defaults to the BFF's (10s).
	Timeout time.Duration
	// MaxBodyBytes caps request bodies. Defaults to the BFF's (1 MiB).
	MaxBodyBytes int64
}

// routeJSON is the BFF's GATEHOUSE_ROUTES element.
type routeJSON struct {
	Name         string   `json:"name"`
	Upstream     string   `json:"upstream"`
	Groups       []string `json:"groups,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
	Timeout      string   `json:"timeout,omitempty"`
	MaxBodyBytes *int64   `json:"maxBodyBytes,omitempty"`
}

// RoutesJSON renders routes as the BFF's GATEHOUSE_ROUTES, once every
// upstream URL is known. Both topologies give the BFF its routes this way.
func RoutesJSON(routes []ApiRoute) pulumi.StringOutput {
	upstreams := make([]any, len(routes))
	for i, r := range routes {
		upstreams[i] = r.Upstream
	}
	return pulumi.All(upstreams...).ApplyT(func(v []any) (string, error) {
		out := make([]routeJSON, len(routes))
		for i, r := range routes {
			out[i] = routeJSON{Name: r.Name, Upstream: v[i].(string), Groups: r.Groups, Scopes: r.Scopes}
			if r.Timeout > 0 {
				out[i].Timeout = r.Timeout.String()
			}
			if r.MaxBodyBytes > 0 {
				size := r.MaxBodyBytes
				out[i].MaxBodyBytes = &size
			}
		}
		b, err := json.Marshal(out)
		return string(b), err
	}).(pulumi.StringOutput)
}
