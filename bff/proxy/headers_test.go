package proxy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestCheckForwardHeader(t *testing.T) {
	for name, want := range map[string]string{
		"X-Api-Version":      "",
		"x-tenant":           "",
		"Sec-Fetch-Site":     "",
		"X_Api_Version":      "holds '_'",
		"X-Forwarded-Prefix": "X-Forwarded-*",
		"x-original-url":     "X-Original-*",
		"X-Amzn-Oidc-Data":   "X-Amzn-*",
		"Cookie":             "credentials",
		"authorization":      "the BFF sets it",
		"X-Request-Id":       "the BFF sets it",
		"Upgrade":            "websocket",
		"Sec-WebSocket-Key":  "websocket",
		"Forwarded":          "client address",
		"X-Http-Method":      "method",
		"bad header":         "not a header name",
		"":                   "not a header name",
	} {
		err := CheckForwardHeader(name)
		if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("CheckForwardHeader(%q) = %v, want %q", name, err, want)
		}
	}
}

func TestNewRefusesReservedForwardHeaders(t *testing.T) {
	u, _ := url.Parse("http://upstream.internal")
	_, err := New(Options{
		Routes:    []Route{{Name: "todos", Upstream: u, ForwardHeaders: []string{"X-Api-Version", "X-Forwarded-User", "X_Tenant"}}},
		Principal: func(context.Context) (Principal, bool) { return Principal{}, false },
		PublicURL: &url.URL{Scheme: "https", Host: "app.example.gov"},
	})
	if err == nil || !strings.Contains(err.Error(), "X-Forwarded-User") || !strings.Contains(err.Error(), "X_Tenant") || strings.Contains(err.Error(), "X-Api-Version") {
		t.Fatalf("err = %v", err)
	}
}

// Only the allow-list goes out: the defaults, the route's own additions in
// their exact spelling, and what the BFF sets.
func TestForwardsOnlyTheAllowList(t *testing.T) {
	rt := &recordingTransport{}
	u, _ := url.Parse("http://upstream.internal/v1")
	p, err := New(Options{
		Routes:    []Route{{Name: "todos", Upstream: u, ForwardHeaders: []string{"x-api-version"}}},
		Transport: rt,
		Principal: func(context.Context) (Principal, bool) { return Principal{AccessToken: "at"}, true },
		PublicURL: &url.URL{Scheme: "https", Host: "app.example.gov"},
	})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/todos/items", nil)
	for _, h := range []string{"Accept", "X-Api-Version", "X_Api_Version", "X-Forwarded-Prefix", "X_Forwarded_For", "X-Original-Url", "Http2-Settings"} {
		req.Header.Set(h, "v")
	}
	p.ServeHTTP(httptest.NewRecorder(), req)
	if rt.out == nil {
		t.Fatal("nothing went out")
	}
	got := map[string]bool{}
	for k := range rt.out.Header {
		got[k] = true
	}
	for _, k := range []string{"Accept", "X-Api-Version", "Authorization", "X-Forwarded-Host", "X-Forwarded-Proto"} {
		if !got[k] {
			t.Errorf("%s did not go out", k)
		}
		delete(got, k)
	}
	delete(got, "User-Agent") // ReverseProxy's empty User-Agent, so Go's own is not sent
	if len(got) > 0 {
		t.Errorf("went out beyond the allow-list: %v", got)
	}
}
