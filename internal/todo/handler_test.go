package todo

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type apiClient struct {
	t      *testing.T
	server *httptest.Server
}

type apiResponse struct {
	status int
	header http.Header
	body   map[string]any
}

func (c apiClient) do(method, path, token, contentType, body string) apiResponse {
	c.t.Helper()
	req, err := http.NewRequest(method, c.server.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.server.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := apiResponse{status: resp.StatusCode, header: resp.Header}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			c.t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
		}
	}
	return out
}

func newTestAPI(t *testing.T) (apiClient, *testIssuer) {
	t.Helper()
	iss := newTestIssuer(t)
	verifier, err := NewOIDCVerifier(VerifierOptions{Issuer: iss.URL(), Audience: "gatehouse-bff"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(HandlerOptions{Store: NewMemoryStore(), Verifier: verifier, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(h)
	t.Cleanup(server.Close)
	return apiClient{t: t, server: server}, iss
}

func TestHandlerTodoLifecycle(t *testing.T) {
	api, iss := newTestAPI(t)
	alice := iss.accessToken(t, "alice", "gatehouse-bff", map[string]any{"name": "Alice Example"})
	bob := iss.accessToken(t, "bob", "gatehouse-bff", nil)
	const jsonType = "application/json"

	for _, path := range []string{"/greeting", "/greeting/"} {
		greeting := api.do("GET", path, alice, "", "")
		if greeting.status != 200 || greeting.body["content"] != "Hello, Alice Example!" || greeting.body["id"] == nil {
			t.Fatalf("GET %s = %d %v", path, greeting.status, greeting.body)
		}
	}

	created := api.do("POST", "/todos/", alice, jsonType, `{"title":"  buy milk  "}`)
	if created.status != 201 || created.body["title"] != "buy milk" || created.body["completed"] != false {
		t.Fatalf("create = %d %v", created.status, created.body)
	}
	id := created.body["id"].(string)
	if loc := created.header.Get("Location"); loc != id {
		t.Errorf("Location = %q", loc)
	}

	for _, tc := range []struct {
		name       string
		method     string
		path       string
		token      string
		body       string
		wantStatus int
		check      func(t *testing.T, body map[string]any)
	}{
		{"alice lists her item", "GET", "/todos/", alice, "", 200, func(t *testing.T, b map[string]any) {
			if items := b["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id {
				t.Errorf("items = %v", items)
			}
		}},
		{"bob lists nothing", "GET", "/todos", bob, "", 200, func(t *testing.T, b map[string]any) {
			if items := b["items"].([]any); len(items) != 0 {
				t.Errorf("bob sees %v", items)
			}
		}},
		{"bob cannot read it", "GET", "/todos/" + id, bob, "", 404, nil},
		{"bob cannot change it", "PATCH", "/todos/" + id, bob, `{"completed":true}`, 404, nil},
		{"bob cannot delete it", "DELETE", "/todos/" + id, bob, "", 404, nil},
		{"alice completes it", "PATCH", "/todos/" + id, alice, `{"completed":true}`, 200, func(t *testing.T, b map[string]any) {
			if b["completed"] != true || b["title"] != "buy milk" {
				t.Errorf("after complete: %v", b)
			}
		}},
		{"alice renames it", "PATCH", "/todos/" + id, alice, `{"title":"buy oat milk"}`, 200, func(t *testing.T, b map[string]any) {
			if b["completed"] != true || b["title"] != "buy oat milk" {
				t.Errorf("after rename: %v", b)
			}
		}},
		{"alice reads it", "GET", "/todos/" + id, alice, "", 200, func(t *testing.T, b map[string]any) {
			if b["title"] != "buy oat milk" {
				t.Errorf("read: %v", b)
			}
		}},
		{"alice deletes it", "DELETE", "/todos/" + id, alice, "", 204, nil},
		{"it is gone", "GET", "/todos/" + id, alice, "", 404, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := ""
			if tc.body != "" {
				ct = jsonType
			}
			resp := api.do(tc.method, tc.path, tc.token, ct, tc.body)
			if resp.status != tc.wantStatus {
				t.Fatalf("status = %d (%v), want %d", resp.status, resp.body, tc.wantStatus)
			}
			if tc.check != nil {
				tc.check(t, resp.body)
			}
		})
	}
}

func TestHandlerRefusesBadRequests(t *testing.T) {
	api, iss := newTestAPI(t)
	alice := iss.accessToken(t, "alice", "gatehouse-bff", nil)
	created := api.do("POST", "/todos", alice, "application/json", `{"title":"x"}`)
	id := created.body["id"].(string)

	for _, tc := range []struct {
		name, method, path, token, contentType, body string
		wantStatus                                   int
		wantCode                                     string
	}{
		{"no token", "GET", "/todos", "", "", "", 401, "missing_token"},
		{"not a bearer", "GET", "/todos", "", "", "", 401, "missing_token"},
		{"invalid token", "GET", "/todos", "abc.def.ghi", "", "", 401, "invalid_token"},
		{"ID token", "GET", "/greeting", iss.sign(t, "JWT", map[string]any{"iss": iss.URL(), "sub": "alice", "aud": "gatehouse-bff", "exp": 9999999999}, nil), "", "", 401, "invalid_token"},
		{"empty title", "POST", "/todos", alice, "application/json", `{"title":"   "}`, 400, "invalid_request"},
		{"missing title", "POST", "/todos", alice, "application/json", `{}`, 400, "invalid_request"},
		{"long title", "POST", "/todos", alice, "application/json", `{"title":"` + strings.Repeat("é", MaxTitleLength+1) + `"}`, 400, "invalid_request"},
		{"control characters", "POST", "/todos", alice, "application/json", `{"title":"a\u0007b"}`, 400, "invalid_request"},
		{"unknown field", "POST", "/todos", alice, "application/json", `{"title":"a","owner":"bob"}`, 400, "invalid_json"},
		{"two objects", "POST", "/todos", alice, "application/json", `{"title":"a"}{"title":"b"}`, 400, "invalid_json"},
		{"not JSON", "POST", "/todos", alice, "text/plain", `title=a`, 415, "unsupported_media_type"},
		{"too large", "POST", "/todos", alice, "application/json", `{"title":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, 413, "body_too_large"},
		{"empty patch", "PATCH", "/todos/" + id, alice, "application/json", `{}`, 400, "invalid_request"},
		{"wrong type in patch", "PATCH", "/todos/" + id, alice, "application/json", `{"completed":"yes"}`, 400, "invalid_json"},
		{"malformed id", "GET", "/todos/..%2f..%2fetc", alice, "", "", 404, "not_found"},
		{"unknown route", "GET", "/nope", alice, "", "", 404, "not_found"},
		{"wrong method", "PUT", "/todos", alice, "application/json", `{}`, 405, "method_not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := api.do(tc.method, tc.path, tc.token, tc.contentType, tc.body)
			if resp.status != tc.wantStatus || resp.body["error"] != tc.wantCode || resp.body["message"] == "" {
				t.Fatalf("= %d %v; want %d %s with a message", resp.status, resp.body, tc.wantStatus, tc.wantCode)
			}
			if cc := resp.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q", cc)
			}
			if tc.wantStatus == 401 && resp.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if tc.wantStatus == 405 && resp.header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

func TestHandlerCapsItemsPerOwner(t *testing.T) {
	api, iss := newTestAPI(t)
	alice := iss.accessToken(t, "alice", "gatehouse-bff", nil)
	for i := range MaxItemsPerOwner {
		if resp := api.do("POST", "/todos", alice, "application/json", `{"title":"t"}`); resp.status != 201 {
			t.Fatalf("item %d: %d %v", i, resp.status, resp.body)
		}
	}
	resp := api.do("POST", "/todos", alice, "application/json", `{"title":"one too many"}`)
	if resp.status != 409 || resp.body["error"] != "too_many_items" {
		t.Fatalf("= %d %v; want 409 too_many_items", resp.status, resp.body)
	}
}

func TestHealthzNeedsNoToken(t *testing.T) {
	api, _ := newTestAPI(t)
	if resp := api.do("GET", "/healthz", "", "", ""); resp.status != 200 {
		t.Fatalf("healthz = %d", resp.status)
	}
}
