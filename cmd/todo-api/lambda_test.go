package main

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestLambdaHandler(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization")+" "+string(body))
		w.Header().Add("Set-Cookie", "a=1")
		w.WriteHeader(http.StatusCreated)
		if r.URL.Query().Get("binary") != "" {
			_, _ = w.Write([]byte{0xff, 0xfe})
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	handle := lambdaHandler(echo)
	for _, tc := range []struct {
		name       string
		event      events.APIGatewayV2HTTPRequest
		wantStatus int
		wantSeen   string
		wantBody   string
		wantB64    bool
	}{
		{
			name: "JSON body",
			event: events.APIGatewayV2HTTPRequest{RawPath: "/todos", Headers: map[string]string{"authorization": "Bearer t"}, Body: `{"title":"x"}`,
				RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}}},
			wantStatus: 201, wantSeen: `POST /todos Bearer t {"title":"x"}`, wantBody: `{"ok":true}`,
		},
		{
			name: "base64 body and query",
			event: events.APIGatewayV2HTTPRequest{RawPath: "/todos/1", RawQueryString: "a=b", Body: base64.StdEncoding.EncodeToString([]byte("hi")), IsBase64Encoded: true,
				RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "PATCH"}}},
			wantStatus: 201, wantSeen: "PATCH /todos/1?a=b  hi", wantBody: `{"ok":true}`,
		},
		{
			name: "binary response",
			event: events.APIGatewayV2HTTPRequest{RawPath: "/", RawQueryString: "binary=1",
				RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}},
			wantStatus: 201, wantSeen: "GET /?binary=1  ", wantBody: base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe}), wantB64: true,
		},
		{
			name: "undecodable body",
			event: events.APIGatewayV2HTTPRequest{RawPath: "/", Body: "%%%", IsBase64Encoded: true,
				RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}}},
			wantStatus: 400, wantBody: `{"error":"invalid_request","message":"the request could not be read"}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := handle(context.Background(), tc.event)
			if err != nil {
				t.Fatal(err)
			}
			seen := ""
			if v := resp.MultiValueHeaders["X-Seen"]; len(v) == 1 {
				seen = v[0]
			}
			if resp.StatusCode != tc.wantStatus || seen != tc.wantSeen || resp.Body != tc.wantBody || resp.IsBase64Encoded != tc.wantB64 {
				t.Fatalf("response = %+v; want %d, seen %q, body %q", resp, tc.wantStatus, tc.wantSeen, tc.wantBody)
			}
			if tc.wantStatus == 201 && (len(resp.Cookies) != 1 || resp.Cookies[0] != "a=1") {
				t.Errorf("cookies = %v", resp.Cookies)
			}
		})
	}
}
