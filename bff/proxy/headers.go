package proxy

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// defaultForwardHeaders are the browser's request headers every route
// forwards: content negotiation, the body's description, conditional and
// range requests, idempotency and trace context. Nothing in it names a
// user, a client address, a host, a path or a method, so no upstream can be
// told who is calling or where the call came from by the browser. Anything
// else the browser sends is dropped; a route adds names with ForwardHeaders.
var defaultForwardHeaders = []string{
	"Accept", "Accept-Encoding", "Accept-Language",
	"Cache-Control",
	"Content-Encoding", "Content-Language", "Content-Type",
	"If-Match", "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since", "Range",
	"Idempotency-Key", "Prefer",
	"Traceparent", "Tracestate",
	"User-Agent",
	// ReverseProxy keeps only "Te: trailers", and only when the browser sent it.
	"Te",
}

// setHeaders are the request headers the BFF itself sets on every call;
// whatever the browser sent under these names is replaced or dropped.
var setHeaders = []string{
	"Authorization", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Request-Id",
}

// tunnelHeaders also pass on a WebSocket handshake to a route that allows
// one: the upgrade itself and the WebSocket parameters (RFC 6455 §4.1).
var tunnelHeaders = []string{
	"Connection", "Upgrade",
	"Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions",
}

// DefaultForwardHeaders returns the browser's request headers that every
// route forwards (canonical names).
func DefaultForwardHeaders() []string { return slices.Clone(defaultForwardHeaders) }

// SetHeaders returns the request headers the BFF sets on every forwarded
// call itself (canonical names).
func SetHeaders() []string { return slices.Clone(setHeaders) }

// reservedHeaders can never be added to a route's ForwardHeaders: the BFF
// sets them, they carry the browser's credentials, they are hop-by-hop, or
// servers and frameworks trust them for the caller's identity, address,
// host, path or method.
var reservedHeaders = []struct {
	why   string
	names []string
}{
	{"the BFF sets it", []string{"Authorization", "X-Request-Id", "Host", "Content-Length", "Expect"}},
	{"it carries the browser's credentials", []string{"Cookie", "Proxy-Authorization", "X-Csrf"}},
	{"it is hop-by-hop; a route allows upgrades with websocket", []string{"Connection", "Upgrade", "Keep-Alive",
		"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Http2-Settings"}},
	{"upstreams trust it for the client address or the path of proxies", []string{"Forwarded", "Via", "Max-Forwards",
		"X-Real-Ip", "X-Client-Ip", "True-Client-Ip", "Cf-Connecting-Ip", "Fastly-Client-Ip", "X-Cluster-Client-Ip"}},
	{"frameworks trust it for the path or the method", []string{"X-Rewrite-Url", "X-Http-Method-Override",
		"X-Http-Method", "X-Method-Override"}},
	{"servers trust it for the user", []string{"Remote-User", "X-User", "X-Webauth-User"}},
}

// reservedPrefixes work as reservedHeaders for whole families.
var reservedPrefixes = []struct{ prefix, why string }{
	{"X-Forwarded-", "upstreams trust X-Forwarded-* for the client, host, port, prefix and user"},
	{"X-Original-", "frameworks trust X-Original-* for the path and host"},
	{"X-Amzn-", "X-Amzn-* carry the load balancer's identity and certificate claims"},
	{"Cloudfront-", "CloudFront-* carry the edge's viewer claims"},
	{"X-Auth-Request-", "X-Auth-Request-* carry an authenticating proxy's identity claims"},
	{"X-Remote-", "X-Remote-* carry an authenticating proxy's identity claims"},
	{"X-Envoy-", "X-Envoy-* steer and identify calls in a mesh"},
	{"Sec-Websocket-", "a route allows WebSockets with websocket"},
}

// CheckForwardHeader reports why name cannot be added to a route's
// forwardable request headers, or nil. Names with '_' are refused: CGI,
// WSGI, PHP and Rack read X_Forwarded_For as X-Forwarded-For.
func CheckForwardHeader(name string) error {
	if !httpguts.ValidHeaderFieldName(name) {
		return fmt.Errorf("%q is not a header name", name)
	}
	if strings.Contains(name, "_") {
		return fmt.Errorf("%q holds '_', which CGI, WSGI, PHP and Rack read as '-'; every header with '_' is dropped", name)
	}
	c := http.CanonicalHeaderKey(name)
	for _, g := range reservedHeaders {
		if slices.Contains(g.names, c) {
			return fmt.Errorf("%s cannot be forwarded: %s", c, g.why)
		}
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(c, p.prefix) {
			return fmt.Errorf("%s cannot be forwarded: %s", c, p.why)
		}
	}
	return nil
}

// headerSet is a route's allow-list, canonical names only; a request header
// whose name is not in it, spelled otherwise or holding '_', is dropped.
type headerSet map[string]bool

func newHeaderSet(lists ...[]string) headerSet {
	s := headerSet{}
	for _, l := range lists {
		for _, h := range l {
			s[http.CanonicalHeaderKey(h)] = true
		}
	}
	return s
}

// keepOnly deletes every header not in s. The map holds the server's
// canonical keys, so a spelling outside the set, such as X_Forwarded_For,
// never matches.
func (s headerSet) keepOnly(h http.Header) {
	for k := range h {
		if !s[k] {
			delete(h, k)
		}
	}
}
