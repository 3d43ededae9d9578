package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse/gatehouse/internal/devservers"
)

// runtimeAPI serves the Lambda Runtime API's invocation loop for a queue of
// events and records the function's responses. It stands in for the Lambda
// service, which has no local equivalent here.
type runtimeAPI struct {
	mu        sync.Mutex
	events    []events.APIGatewayV2HTTPRequest
	responses map[string]events.APIGatewayV2HTTPResponse
	errors    []string
	done      chan struct{}
}

func (rt *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/2018-06-01/runtime/")
	switch {
	case r.Method == http.MethodGet && path == "invocation/next":
		rt.mu.Lock()
		if len(rt.events) == 0 {
			rt.mu.Unlock()
			<-r.Context().Done() // no more work: hold the poll until the test ends
			return
		}
		id := fmt.Sprintf("req-%d", len(rt.responses)+len(rt.errors)+1)
		event := rt.events[0]
		rt.events = rt.events[1:]
		rt.mu.Unlock()
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", id)
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
		_ = json.NewEncoder(w).Encode(event)
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/response"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "invocation/"), "/response")
		var resp events.APIGatewayV2HTTPResponse
		_ = json.NewDecoder(r.Body).Decode(&resp)
		rt.record(func() { rt.responses[id] = resp })
		w.WriteHeader(http.StatusAccepted)
	default:
		body, _ := io.ReadAll(r.Body)
		rt.record(func() { rt.errors = append(rt.errors, r.URL.Path+": "+string(body)) })
		w.WriteHeader(http.StatusAccepted)
	}
}

func (rt *runtimeAPI) record(f func()) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	f()
	if len(rt.events) == 0 {
		select {
		case <-rt.done:
		default:
			close(rt.done)
		}
	}
}

// TestLambdaModeServesAPIGatewayEvents runs the real binary with
// AWS_LAMBDA_RUNTIME_API set and checks that it answers events without any
// network call at start (the issuer is unreachable on purpose).
func TestLambdaModeServesAPIGatewayEvents(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "todo-api")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	get := func(path string, headers map[string]string) events.APIGatewayV2HTTPRequest {
		return events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: path, Headers: headers,
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path}}}
	}
	rt := &runtimeAPI{
		events: []events.APIGatewayV2HTTPRequest{
			get("/healthz", nil),
			get("/todos", nil),
			get("/nope", map[string]string{"authorization": "Bearer x"}),
		},
		responses: map[string]events.APIGatewayV2HTTPResponse{},
		done:      make(chan struct{}),
	}
	server := httptest.NewServer(rt)
	t.Cleanup(server.Close)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	proc, err := devservers.Start(ctx, devservers.Spec{
		Name: "todo-api (lambda)",
		Path: bin,
		Env: []string{
			"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(server.URL, "http://"),
			"TODO_ISSUER=http://127.0.0.1:1", "TODO_AUDIENCE=gatehouse-bff", "TODO_STORE=memory",
		},
		Ready: func(context.Context) error {
			select {
			case <-rt.done:
				return nil
			default:
				return fmt.Errorf("waiting for responses")
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proc.Stop)

	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.errors) > 0 {
		t.Fatalf("the function reported errors: %v", rt.errors)
	}
	for _, tc := range []struct {
		id     string
		status int
		code   string
	}{{"req-1", 200, ""}, {"req-2", 401, "missing_token"}, {"req-3", 404, "not_found"}} {
		resp, ok := rt.responses[tc.id]
		if !ok {
			t.Fatalf("no response for %s: %v", tc.id, rt.responses)
		}
		var body map[string]string
		_ = json.Unmarshal([]byte(resp.Body), &body)
		if resp.StatusCode != tc.status || body["error"] != tc.code {
			t.Errorf("%s = %d %s; want %d %q", tc.id, resp.StatusCode, resp.Body, tc.status, tc.code)
		}
	}
}
