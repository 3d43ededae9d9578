//go:build attack

package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// TestAttackRequestIDFromTheBrowser: X-Request-Id is one of the headers the
// BFF sets itself on every forwarded call (proxy.SetHeaders), but its value
// is the browser's X-Amzn-Trace-Id whenever that is present and made of
// [A-Za-z0-9=;._-], up to 128 bytes. In local mode nothing overwrites it,
// and the ALB keeps a client's Root= and only adds Self=. So the browser
// picks the id the upstream receives and the id of the BFF's log lines: it
// can give every call the id of another user's call (or a fixed one), which
// breaks the correlation the audit trail relies on, and an upstream that
// deduplicates or caches by X-Request-Id (a common idempotency shortcut)
// can be fed a collision. The BFF's request id must be its own; a trace id
// may be logged beside it.
func TestAttackRequestIDFromTheBrowser(t *testing.T) {
	up := startRecorder(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: map[string]string{
		"GATEHOUSE_ROUTES": up.routesJSON(t, map[string]any{"name": "probe"}),
	}})
	b := loggedIn(t, s, "alice")
	const chosen = "Root=1-00000000-another-users-call.id"
	for i := 0; i < 2; i++ {
		res := api(t, b, s, http.MethodGet, "/api/probe/items", "", map[string]string{"X-Amzn-Trace-Id": chosen})
		if res.Status != http.StatusOK {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if got := up.last(t).Header.Get("X-Request-Id"); strings.Contains(got, "another-users-call") {
			t.Errorf("call %d: the upstream's X-Request-Id is the browser's choice: %q", i, got)
		}
		if got := res.Header.Get("X-Request-Id"); strings.Contains(got, "another-users-call") {
			t.Errorf("call %d: the BFF logged and answered the browser's request id: %q", i, got)
		}
	}
}
