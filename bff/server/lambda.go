package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// LambdaHandler adapts API Gateway HTTP API (payload v2) events to h.
func LambdaHandler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		req, err := RequestFromEvent(ctx, ev)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"error":"invalid_request","message":"malformed request"}`}, nil
		}
		// The invoke's X-Ray trace id makes the request id when the event has none.
		if req.Header.Get("X-Amzn-Trace-Id") == "" {
			if trace, ok := ctx.Value(lambdaTraceIDKey).(string); ok && trace != "" {
				req.Header.Set("X-Amzn-Trace-Id", trace)
			}
		}
		rec := &bufferedResponse{header: http.Header{}}
		h.ServeHTTP(rec, req)
		rec.WriteHeader(http.StatusOK) // no-op unless nothing was written
		return ResponseToEvent(rec.status, rec.sent, rec.body.Bytes()), nil
	}
}

// lambdaTraceIDKey is the context key aws-lambda-go stores the trace id under.
const lambdaTraceIDKey = "x-amzn-trace-id"

// RequestFromEvent builds the http.Request an event describes.
func RequestFromEvent(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, fmt.Errorf("server: lambda event body: %w", err)
		}
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	target := path
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	req, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("server: lambda event: %w", err)
	}
	for k, v := range ev.Headers {
		// API Gateway joins repeated headers with commas.
		req.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	req.Host = req.Header.Get("Host")
	if req.Host == "" {
		req.Host = ev.RequestContext.DomainName
	}
	req.ContentLength = int64(len(body))
	req.RemoteAddr = ev.RequestContext.HTTP.SourceIP + ":0"
	req.RequestURI = target
	return req, nil
}

// ResponseToEvent builds the event response: Set-Cookie values go to
// Cookies (API Gateway would otherwise merge them), binary bodies to base64.
func ResponseToEvent(status int, header http.Header, body []byte) events.APIGatewayV2HTTPResponse {
	out := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	for k, vs := range header {
		if k == "Set-Cookie" {
			out.Cookies = append(out.Cookies, vs...)
			continue
		}
		out.Headers[k] = strings.Join(vs, ", ")
	}
	if isText(header.Get("Content-Type")) && utf8.Valid(body) && header.Get("Content-Encoding") == "" {
		out.Body = string(body)
	} else if len(body) > 0 {
		out.Body = base64.StdEncoding.EncodeToString(body)
		out.IsBase64Encoded = true
	}
	return out
}

func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return contentType == ""
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		mt == "application/javascript" || mt == "application/xml" || strings.HasSuffix(mt, "+xml")
}

// bufferedResponse collects a response; payload v2 is not streamed.
type bufferedResponse struct {
	header http.Header
	// sent is the header as it stood when the final status was written,
	// which is what a server sends. What a handler adds later is no header:
	// httputil.ReverseProxy adds an upstream's trailers to the map after the
	// body, and payload v2 carries no trailers, so a trailing Set-Cookie must
	// not become a cookie.
	sent   http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

// WriteHeader keeps the first final status. Interim answers (1xx, such as
// an upstream's 103 Early Hints) cannot be sent through API Gateway and are
// dropped.
func (b *bufferedResponse) WriteHeader(status int) {
	if b.status != 0 || status < http.StatusOK {
		return
	}
	b.status = status
	b.sent = b.header.Clone()
	delete(b.sent, "Trailer")
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// Flush is a no-op: the whole body goes back in one event.
func (b *bufferedResponse) Flush() {}
