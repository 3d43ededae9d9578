package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// lambdaHandler serves API Gateway HTTP API (payload v2) events with h.
func lambdaHandler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		req, err := requestFromEvent(ctx, event)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{
				StatusCode: http.StatusBadRequest,
				Headers:    map[string]string{"Content-Type": "application/json"},
				Body:       `{"error":"invalid_request","message":"the request could not be read"}`,
			}, nil
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return responseFromRecorder(rec), nil
	}
}

func requestFromEvent(ctx context.Context, event events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(event.Body)
	if event.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(event.Body)
		if err != nil {
			return nil, fmt.Errorf("todo-api: event body: %w", err)
		}
		body = decoded
	}
	target := event.RawPath
	if target == "" {
		target = "/"
	}
	if event.RawQueryString != "" {
		target += "?" + event.RawQueryString
	}
	req, err := http.NewRequestWithContext(ctx, event.RequestContext.HTTP.Method, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("todo-api: event request: %w", err)
	}
	for name, value := range event.Headers {
		req.Header.Set(name, value)
	}
	if len(event.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(event.Cookies, "; "))
	}
	req.Host = event.Headers["host"]
	req.RemoteAddr = event.RequestContext.HTTP.SourceIP
	req.ContentLength = int64(len(body))
	return req, nil
}

func responseFromRecorder(rec *httptest.ResponseRecorder) events.APIGatewayV2HTTPResponse {
	resp := events.APIGatewayV2HTTPResponse{
		StatusCode:        rec.Code,
		MultiValueHeaders: map[string][]string{},
	}
	for name, values := range rec.Header() {
		if name == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, values...)
			continue
		}
		resp.MultiValueHeaders[name] = values
	}
	body := rec.Body.Bytes()
	if utf8.Valid(body) {
		resp.Body = string(body)
	} else {
		resp.Body = base64.StdEncoding.EncodeToString(body)
		resp.IsBase64Encoded = true
	}
	return resp
}
