package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// runtimeAPI stands in for the Lambda Runtime API (no Lambda service exists
// here): it hands out queued events and collects the function's answers.
type runtimeAPI struct {
	events    chan events.APIGatewayV2HTTPRequest
	responses chan []byte
	errors    chan string
}

func (rt *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next":
		var ev events.APIGatewayV2HTTPRequest
		select {
		case ev = <-rt.events:
		case <-r.Context().Done():
			return
		}
		body, _ := json.Marshal(ev)
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", ev.RequestContext.RequestID)
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:bff")
		w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
		_, _ = w.Write(body)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/response"):
		b, _ := io.ReadAll(r.Body)
		rt.responses <- b
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/error"):
		b, _ := io.ReadAll(r.Body)
		rt.errors <- r.URL.Path + ": " + string(b)
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// TestBinaryUnderLambda runs the real binary in Lambda mode against the
// Runtime API and checks API Gateway v2 events in and out, including the
// login cookie going into the response's cookies.
func TestBinaryUnderLambda(t *testing.T) {
	bin := buildBinary(t, runtime.GOARCH)
	rt := &runtimeAPI{events: make(chan events.APIGatewayV2HTTPRequest, 4), responses: make(chan []byte, 4), errors: make(chan string, 4)}
	srv := httptest.NewServer(rt)
	defer srv.Close()

	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, bytes.Repeat([]byte{9}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(srv.URL, "http://"),
		"GATEHOUSE_MODE=local", "GATEHOUSE_PUBLIC_URL=https://app.example.gov",
		"GATEHOUSE_OIDC_ISSUER=https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Test",
		"GATEHOUSE_COGNITO_DOMAIN=https://gatehouse.auth-fips.us-gov-west-1.amazoncognito.com",
		"GATEHOUSE_OIDC_CLIENT_ID=bff", "GATEHOUSE_OIDC_CLIENT_SECRET=client-secret-value",
		"GATEHOUSE_SESSION_STORE=memory", "GATEHOUSE_DATA_KEY_FILE=" + keyFile,
	}
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	event := func(id, method, rawPath, query string, headers map[string]string) events.APIGatewayV2HTTPRequest {
		ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: rawPath, RawQueryString: query, Headers: headers}
		ev.RequestContext.RequestID = id
		ev.RequestContext.HTTP.Method = method
		ev.RequestContext.HTTP.Path = rawPath
		ev.RequestContext.HTTP.SourceIP = "203.0.113.9"
		ev.RequestContext.DomainName = "abc.execute-api.us-gov-west-1.amazonaws.com"
		return ev
	}
	invoke := func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
		t.Helper()
		rt.events <- ev
		select {
		case b := <-rt.responses:
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(b, &resp); err != nil {
				t.Fatalf("response %s: %v", b, err)
			}
			return resp
		case e := <-rt.errors:
			t.Fatalf("function error: %s\n%s", e, out.String())
		case <-time.After(30 * time.Second):
			t.Fatalf("no response\n%s", out.String())
		}
		return events.APIGatewayV2HTTPResponse{}
	}

	cases := []struct {
		name   string
		ev     events.APIGatewayV2HTTPRequest
		status int
		check  func(t *testing.T, r events.APIGatewayV2HTTPResponse)
	}{
		{"health", event("1", "GET", "/healthz", "", nil), 200, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if !strings.Contains(r.Body, `"ok"`) || r.IsBase64Encoded {
				t.Errorf("body = %q", r.Body)
			}
		}},
		{"api without session", event("2", "GET", "/api/todos/1", "", map[string]string{"x-csrf": "1"}), 401, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if !strings.Contains(r.Body, `"unauthenticated"`) || r.Headers["Cache-Control"] != "no-store" {
				t.Errorf("response = %+v", r)
			}
		}},
		{"login", event("3", "GET", "/auth/login", "returnTo=%2Ftodos", map[string]string{"accept": "text/html"}), 302, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			loc, err := url.Parse(r.Headers["Location"])
			if err != nil || loc.Host != "gatehouse.auth-fips.us-gov-west-1.amazoncognito.com" || loc.Path != "/oauth2/authorize" ||
				loc.Query().Get("code_challenge_method") != "S256" || loc.Query().Get("redirect_uri") != "https://app.example.gov/auth/callback" {
				t.Errorf("Location = %q", r.Headers["Location"])
			}
			if len(r.Cookies) != 1 || !strings.HasPrefix(r.Cookies[0], "__Host-gh_login=") ||
				!strings.Contains(r.Cookies[0], "HttpOnly") || !strings.Contains(r.Cookies[0], "Secure") || !strings.Contains(r.Cookies[0], "SameSite=Lax") {
				t.Errorf("cookies = %q", r.Cookies)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := invoke(tc.ev)
			if r.StatusCode != tc.status {
				t.Fatalf("status = %d: %+v", r.StatusCode, r)
			}
			tc.check(t, r)
		})
	}
	// The child's output reaches out through a copying goroutine, so the
	// request log may land a moment after the response does.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(out.String(), `"request_id":"Root=1-`); {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), `"runtime":"lambda"`) || !strings.Contains(out.String(), `"request_id":"Root=1-5759e988-bd862e3fe1be46a994272793`) {
		t.Errorf("logs lack the Lambda start or the trace id:\n%s", out.String())
	}
	if strings.Contains(out.String(), "client-secret-value") {
		t.Error("a log line leaks the client secret")
	}
}
