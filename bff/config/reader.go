package config

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/bff/proxy"
)

// Route is one allow-listed API upstream: /api/<Name>/* proxies to <Upstream>/*.
type Route struct {
	Name     string
	Upstream *url.URL
	// Groups: the user must belong to at least one. Empty means any signed-in user.
	Groups []string
	// Scopes: the access token's scope must include every one.
	Scopes       []string
	Timeout      time.Duration
	MaxBodyBytes int64
	// ForwardHeaders are request headers the route forwards on top of the
	// proxy's default allow-list (proxy.DefaultForwardHeaders).
	ForwardHeaders []string
	// WebSocket lets WebSocket handshakes through, opening tunnels bounded
	// by the session. Off by default.
	WebSocket bool
}

const (
	defaultRouteTimeout = 10 * time.Second
	defaultRouteMaxBody = 1 << 20
	maxRouteTimeout     = 15 * time.Minute
)

type reader struct {
	getenv   func(string) string
	problems []string
}

func (r *reader) fail(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

func (r *reader) str(name, def string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return def
}

func (r *reader) absURL(name, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		r.fail("%s=%q is not an absolute URL: use e.g. https://host", name, redactUserinfo(raw))
		return nil
	}
	return u
}

// redactUserinfo replaces the user information of a URL (user, password,
// or a token in the user's place) with "redacted", also in text that does
// not parse as a URL, so a configuration error never prints a credential.
func redactUserinfo(raw string) string {
	start := strings.Index(raw, "//")
	if start < 0 {
		return raw
	}
	start += 2
	end := len(raw)
	if i := strings.IndexAny(raw[start:], "/?#"); i >= 0 {
		end = start + i
	}
	at := strings.LastIndexByte(raw[start:end], '@')
	if at < 0 {
		return raw
	}
	return raw[:start] + "redacted" + raw[start+at:]
}

func (r *reader) publicURL(name string) *url.URL {
	raw := r.str(name, "")
	if raw == "" {
		r.fail("%s is required: set the external origin, e.g. https://app.example.gov", name)
		return nil
	}
	u := r.absURL(name, raw)
	if u == nil {
		return nil
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		r.fail("%s=%q must be an origin only (scheme://host[:port]), without path, query or credentials", name, redactUserinfo(raw))
		return nil
	}
	u.Path = ""
	return u
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	raw := r.str(name, "")
	if raw == "" {
		return def
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		r.fail("%s=%q is not a positive Go duration: use e.g. 15m or 12h", name, raw)
		return def
	}
	return d
}

func (r *reader) boolean(name string) bool {
	raw := r.str(name, "false")
	b, err := strconv.ParseBool(raw)
	if err != nil {
		r.fail("%s=%q: use true or false", name, raw)
	}
	return b
}

func (r *reader) positiveFloat(name string, def float64) float64 {
	raw := r.str(name, "")
	if raw == "" {
		return def
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || f <= 0 {
		r.fail("%s=%q: use a positive number of requests per second", name, raw)
		return def
	}
	return f
}

func (r *reader) base64(name, raw string) []byte {
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(b) == 0 {
		r.fail("%s is not valid base64: paste the CiphertextBlob of the KMS Encrypt/GenerateDataKey output", name)
	}
	return b
}

func (r *reader) logLevel(name string) slog.Level {
	raw := r.str(name, "info")
	var l slog.Level
	if err := l.UnmarshalText([]byte(raw)); err != nil {
		r.fail("%s=%q: use debug, info, warn or error", name, raw)
		return slog.LevelInfo
	}
	return l
}

// arn checks the shape only; the partition is whatever the ARN says.
func (r *reader) arn(name, raw, service string) {
	parts := strings.SplitN(raw, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != service {
		r.fail("%s=%q is not a %s ARN: use arn:<partition>:%s:<region>:<account>:...", name, raw, service, service)
	}
}

var routeName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

type routeJSON struct {
	Name         string   `json:"name"`
	Upstream     string   `json:"upstream"`
	Groups       []string `json:"groups"`
	Scopes       []string `json:"scopes"`
	Timeout      string   `json:"timeout"`
	MaxBodyBytes *int64   `json:"maxBodyBytes"`
	// ForwardHeaders extends the request-header allow-list of this route.
	ForwardHeaders []string `json:"forwardHeaders"`
	// WebSocket allows WebSocket tunnels on this route.
	WebSocket bool `json:"websocket"`
}

func (r *reader) routes(name string, mode Mode) []Route {
	raw := r.str(name, "[]")
	var in []routeJSON
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		r.fail("%s is not a JSON array of routes (%v): use e.g. [{\"name\":\"todos\",\"upstream\":\"https://todo.internal\"}]", name, err)
		return nil
	}
	var out []Route
	seen := map[string]bool{}
	for i, rj := range in {
		where := fmt.Sprintf("%s[%d]", name, i)
		rt := Route{Name: rj.Name, Groups: rj.Groups, Scopes: rj.Scopes, Timeout: defaultRouteTimeout, MaxBodyBytes: defaultRouteMaxBody}
		if !routeName.MatchString(rj.Name) {
			r.fail("%s.name=%q: use lowercase letters, digits and dashes (it becomes /api/<name>/)", where, rj.Name)
		} else if seen[rj.Name] {
			r.fail("%s.name=%q is listed twice: keep one", where, rj.Name)
		}
		seen[rj.Name] = true
		if u, err := url.Parse(rj.Upstream); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
			r.fail("%s.upstream=%q: use an http(s) URL without credentials or query, e.g. https://todo.internal", where, redactUserinfo(rj.Upstream))
		} else {
			rt.Upstream = u
		}
		if rj.Timeout != "" {
			d, err := time.ParseDuration(rj.Timeout)
			if err != nil || d <= 0 || d > maxRouteTimeout {
				r.fail("%s.timeout=%q: use a Go duration between 1ms and %s", where, rj.Timeout, maxRouteTimeout)
			} else {
				rt.Timeout = d
			}
		}
		if rj.MaxBodyBytes != nil {
			if *rj.MaxBodyBytes < 0 {
				r.fail("%s.maxBodyBytes=%d: use 0 (no body) or a positive size", where, *rj.MaxBodyBytes)
			} else {
				rt.MaxBodyBytes = *rj.MaxBodyBytes
			}
		}
		if slices.Contains(rt.Groups, "") || slices.Contains(rt.Scopes, "") {
			r.fail("%s: groups and scopes must not contain empty names", where)
		}
		for _, h := range rj.ForwardHeaders {
			if err := proxy.CheckForwardHeader(h); err != nil {
				r.fail("%s.forwardHeaders: %v: remove it", where, err)
			}
		}
		rt.ForwardHeaders = rj.ForwardHeaders
		rt.WebSocket = rj.WebSocket
		if rt.WebSocket && mode == ModeEdge {
			r.fail("%s.websocket=true in edge mode: API Gateway HTTP APIs and Lambda carry no WebSocket; use the regional mode or remove it", where)
		}
		out = append(out, rt)
	}
	return out
}

func contains(s []string, v string) bool { return slices.Contains(s, v) }
