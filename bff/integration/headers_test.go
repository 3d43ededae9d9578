package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
	"github.com/gatehouse/gatehouse/bff/proxy"
)

// spoofableHeaders are request headers an upstream, or the framework in
// front of it, may trust for the caller's identity, address, host, path,
// method or certificate. A browser can send every one of them.
var spoofableHeaders = []string{
	"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix", "X-Forwarded-Port",
	"X-Forwarded-Server", "X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Groups", "X-Forwarded-Access-Token",
	"X-Forwarded-Scheme", "X-Forwarded-Ssl", "X-Original-URL", "X-Original-Host", "X-Original-Forwarded-For",
	"X-Rewrite-URL", "X-Amzn-Oidc-Data", "X-Amzn-Oidc-Identity", "X-Amzn-Oidc-Accesstoken", "X-Amzn-Mtls-Clientcert",
	"X-Amzn-Mtls-Clientcert-Leaf", "X-Amzn-Mtls-Clientcert-Subject", "X-Amzn-Mtls-Clientcert-Serial-Number", "X-Real-IP", "X-Client-IP", "True-Client-IP",
	"CF-Connecting-IP", "Fastly-Client-IP", "X-Cluster-Client-IP", "Forwarded", "Via", "X-Remote-User",
	"X-Remote-Addr", "Remote-User", "X-User", "X-Webauth-User", "X-Auth-Request-User", "X-Auth-Request-Email",
	"X-Auth-Request-Access-Token", "X-Http-Method-Override", "X-Http-Method", "X-Method-Override", "X-Host",
	"X-Origin-Verify", "CloudFront-Viewer-Address", "X-Envoy-External-Address", "X-Envoy-Original-Path",
	"Proxy-Authorization", "X-Csrf-Token", "X-Api-Key", "X-Request-Id", "Authorization", "Max-Forwards",
	"Origin", "Referer", "Upgrade", "HTTP2-Settings", "Expect-CT", "X-ProxyUser-Ip",
}

const spoofed = "spoofed-6.6.6.6"

// TestSpoofableHeadersNeverReachUpstream sends every spoofable header in
// both spellings, with '-' and with '_' (CGI, WSGI, PHP and Rack read the
// two alike), and asserts that the upstream received exactly the documented
// allow-list: the browser headers every route forwards and the headers the
// BFF sets itself, with the BFF's values.
func TestSpoofableHeadersNeverReachUpstream(t *testing.T) {
	up := startRecorder(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: map[string]string{
		"GATEHOUSE_ROUTES": up.routesJSON(t, map[string]any{"name": "probe"}),
	}})
	sendSpoofed(t, s, up, "probe", nil)
}

// TestRouteForwardHeaders: a route's forwardHeaders add to the allow-list
// of that route only, and never in the '_' spelling.
func TestRouteForwardHeaders(t *testing.T) {
	up := startRecorder(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: map[string]string{
		"GATEHOUSE_ROUTES": up.routesJSON(t, map[string]any{"name": "probe", "forwardHeaders": []string{"X-Api-Version"}},
			map[string]any{"name": "plain"}),
	}})
	sendSpoofed(t, s, up, "probe", []string{"X-Api-Version"})
	sendSpoofed(t, s, up, "plain", nil)
}

func sendSpoofed(t *testing.T, s *bfftest.Stack, up *recorder, route string, extra []string) {
	t.Helper()
	b := loggedIn(t, s, "alice")
	token := mustTokens(t, s, b.SessionCookie()).AccessToken
	if len(spoofableHeaders) < 30 {
		t.Fatalf("only %d spoofable headers", len(spoofableHeaders))
	}
	sent := map[string]string{
		"Accept-Language": "de", "If-None-Match": `"v1"`, "Traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"X-Api-Version": "2026-11-01", "X-Api_Version": spoofed,
	}
	for _, h := range spoofableHeaders {
		sent[h] = spoofed
		sent[strings.ReplaceAll(h, "-", "_")] = spoofed
	}
	allowed := map[string]bool{}
	for _, h := range append(append(proxy.DefaultForwardHeaders(), proxy.SetHeaders()...), extra...) {
		allowed[http.CanonicalHeaderKey(h)] = true
	}
	res := api(t, b, s, http.MethodGet, "/api/"+route+"/items", "", sent)
	if res.Status != http.StatusOK {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	got := up.last(t).Header
	for k, v := range got {
		if !allowed[k] {
			t.Errorf("%s reached the upstream: %q", k, v)
		}
		if strings.Contains(strings.Join(v, ","), spoofed) {
			t.Errorf("%s reached the upstream with the browser's value %q", k, v)
		}
	}
	want := map[string]string{
		"Authorization": "Bearer " + token, "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": strings.TrimPrefix(s.URL, "https://"),
		"X-Forwarded-Proto": "https", "X-Request-Id": res.Header.Get("X-Request-Id"), "Accept-Language": "de",
		"If-None-Match": `"v1"`, "Traceparent": sent["Traceparent"], "Accept": "application/json",
	}
	for _, h := range extra {
		want[h] = sent[h]
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Get(k), v)
		}
	}
	if extra == nil && got.Get("X-Api-Version") != "" {
		t.Errorf("route %s forwarded X-Api-Version, which only another route allows", route)
	}
}
