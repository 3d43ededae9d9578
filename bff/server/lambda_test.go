package server

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestLambdaAdapter(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Path", r.URL.EscapedPath())
		w.Header().Set("X-Query", r.URL.RawQuery)
		w.Header().Set("X-Cookie", r.Header.Get("Cookie"))
		w.Header().Set("X-Remote", r.RemoteAddr)
		w.Header().Set("X-Host", r.Host)
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
		switch r.URL.Path {
		case "/binary":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte{0x89, 'P', 'N', 'G', 0xff})
		case "/status":
			w.WriteHeader(http.StatusTeapot)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}
	})
	h := LambdaHandler(echo)
	ev := func(method, rawPath, query, body string, b64 bool, cookies []string) events.APIGatewayV2HTTPRequest {
		e := events.APIGatewayV2HTTPRequest{RawPath: rawPath, RawQueryString: query, Body: body, IsBase64Encoded: b64, Cookies: cookies,
			Headers: map[string]string{"host": "abc.execute-api.us-east-1.amazonaws.com", "x-csrf": "1"}}
		e.RequestContext.HTTP.Method = method
		e.RequestContext.HTTP.SourceIP = "203.0.113.9"
		return e
	}
	cases := []struct {
		name       string
		in         events.APIGatewayV2HTTPRequest
		wantStatus int
		wantBody   string
		wantB64    bool
		check      func(t *testing.T, out events.APIGatewayV2HTTPResponse)
	}{
		{"json body", ev("POST", "/api/todos/1", "a=1&b=%2F", `{"x":1}`, false, nil), 200, `{"x":1}`, false, func(t *testing.T, out events.APIGatewayV2HTTPResponse) {
			if out.Headers["X-Method"] != "POST" || out.Headers["X-Path"] != "/api/todos/1" || out.Headers["X-Query"] != "a=1&b=%2F" {
				t.Errorf("request mapping: %v", out.Headers)
			}
			if out.Headers["X-Remote"] != "203.0.113.9:0" || out.Headers["X-Host"] != "abc.execute-api.us-east-1.amazonaws.com" {
				t.Errorf("remote/host: %v", out.Headers)
			}
		}},
		{"base64 request body", ev("PUT", "/api/x", "", base64.StdEncoding.EncodeToString([]byte("héllo")), true, nil), 200, "héllo", false, nil},
		{"cookies joined", ev("GET", "/auth/user", "", "", false, []string{"__Host-gh_session=abc", "other=1"}), 200, "", false, func(t *testing.T, out events.APIGatewayV2HTTPResponse) {
			if out.Headers["X-Cookie"] != "__Host-gh_session=abc; other=1" {
				t.Errorf("cookie = %q", out.Headers["X-Cookie"])
			}
		}},
		{"set-cookie to cookies", ev("GET", "/x", "", "", false, nil), 200, "", false, func(t *testing.T, out events.APIGatewayV2HTTPResponse) {
			if len(out.Cookies) != 2 || out.Cookies[0] != "a=1" || out.Cookies[1] != "b=2" {
				t.Errorf("cookies = %v", out.Cookies)
			}
			if _, ok := out.Headers["Set-Cookie"]; ok {
				t.Error("Set-Cookie left in headers")
			}
		}},
		{"binary response", ev("GET", "/binary", "", "", false, nil), 200, base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G', 0xff}), true, nil},
		{"status only", ev("GET", "/status", "", "", false, nil), http.StatusTeapot, "", false, nil},
		{"bad base64", ev("POST", "/x", "", "%%%", true, nil), 400, "", false, func(t *testing.T, out events.APIGatewayV2HTTPResponse) {
			if !strings.Contains(out.Body, "invalid_request") {
				t.Errorf("body = %q", out.Body)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := h(context.Background(), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if out.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d", out.StatusCode, tc.wantStatus)
			}
			if tc.wantBody != "" && out.Body != tc.wantBody {
				t.Errorf("body = %q, want %q", out.Body, tc.wantBody)
			}
			if out.IsBase64Encoded != tc.wantB64 {
				t.Errorf("base64 = %v", out.IsBase64Encoded)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}
