package middleware

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
)

var timeField = regexp.MustCompile(`"time":"([^"]*)"`)

// The hand-written access line must be exactly what slog writes for the same
// request, but for the time it was taken.
func TestAccessLineMatchesSlog(t *testing.T) {
	start := time.Date(2026, 11, 21, 8, 30, 0, 123456789, time.UTC)
	for _, tc := range []struct {
		name string
		line accessLine
	}{
		{"an API call", accessLine{start: start, elapsed: 1234567 * time.Nanosecond, id: "0af7651916cd43dd8448eb21", clientIP: "203.0.113.7", method: "GET", path: "/api/todos/items", status: 200, bytes: 512}},
		{"a server error", accessLine{start: start, elapsed: 30 * time.Second, id: "Root=1-5759e988-bd862e3fe1be46a994272793", clientIP: "2001:db8::1", method: "POST", path: "/api/todos", status: 502, bytes: 97}},
		{"a client error", accessLine{start: start, elapsed: time.Microsecond, method: "DELETE", path: "/auth/logout", status: 403}},
		{"no time at all", accessLine{start: start, method: "GET", path: "/healthz", status: 200}},
		{"ten hours", accessLine{start: start, elapsed: 10 * time.Hour, method: "GET", path: "/", status: 304}},
		{"quotes and escapes", accessLine{start: start, method: "GET", path: "/a\"b\\c\nd\re\tf\x00g\x1fh\x7fi", status: 404}},
		{"html is not escaped", accessLine{start: start, method: "GET", path: "/<script>&amp;</script>", status: 404}},
		{"invalid utf-8", accessLine{start: start, method: "GET", path: "/\xff\xfe/ok/\xc3", status: 400}},
		{"line separators", accessLine{start: start, method: "GET", path: "/a\u2028b\u2029c/é/日本", status: 404}},
		{"a long path cut inside a rune", accessLine{start: start, method: "GET", path: "/" + strings.Repeat("a", 254) + "éé", status: 404}},
		{"a hostile method", accessLine{start: start, method: "G\"ET", path: "/", status: 405}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			byHand := assertSameAsSlog(t, tc.line)
			if m := timeField.FindSubmatch(byHand); m == nil {
				t.Fatalf("no time in %s", byHand)
			} else if _, err := time.Parse(time.RFC3339Nano, string(m[1])); err != nil {
				t.Fatalf("time %q: %v", m[1], err)
			}
			if !json.Valid(bytes.TrimSpace(byHand)) {
				t.Fatalf("not JSON: %s", byHand)
			}
		})
	}
}

func TestAccessLineHonoursTheLevel(t *testing.T) {
	var buf bytes.Buffer
	write := accessLineWriter(NewLogger(&buf, slog.LevelWarn))
	write(context.Background(), accessLine{method: "GET", path: "/api/x", status: 200})
	if buf.Len() != 0 {
		t.Fatalf("an INFO line passed a WARN logger: %s", buf.String())
	}
	write(context.Background(), accessLine{method: "GET", path: "/api/x", status: 503})
	if !strings.Contains(buf.String(), `"level":"WARN"`) {
		t.Fatalf("the 503 line is missing: %s", buf.String())
	}
}

// A logger derived with With carries attributes the hand-written line would
// drop, so it must go through slog.
func TestAccessLineKeepsDerivedLoggerAttributes(t *testing.T) {
	var buf bytes.Buffer
	logger := NewLogger(&buf, slog.LevelInfo).With("service", "bff")
	accessLineWriter(logger)(context.Background(), accessLine{method: "GET", path: "/", status: 200})
	if !strings.Contains(buf.String(), `"service":"bff"`) {
		t.Fatalf("derived attribute dropped: %s", buf.String())
	}
}

func TestAccessLineKeysAreNotRedacted(t *testing.T) {
	for _, a := range (accessLine{}).attrs() {
		if isSensitiveKey(a.Key) {
			t.Errorf("access line key %q would be redacted by slog but not by hand", a.Key)
		}
	}
}

// Any path and method a client can send is written as slog would write it.
func FuzzAccessLineMatchesSlog(f *testing.F) {
	for _, seed := range []string{"/api/x", "/a\"\\\n\x00", "/\xff\u2028", "/<&>"} {
		f.Add("GET", seed, 200)
	}
	f.Fuzz(func(t *testing.T, method, path string, status int) {
		assertSameAsSlog(t, accessLine{start: time.Unix(1, 0), method: method, path: path, status: status % 1000})
	})
}

// assertSameAsSlog writes line by hand and through slog, fails unless the two
// agree but for the time, and returns the hand-written bytes.
func assertSameAsSlog(t *testing.T, line accessLine) []byte {
	t.Helper()
	var viaSlog, byHand bytes.Buffer
	accessLineWriter(slog.New(slog.NewJSONHandler(&viaSlog, &slog.HandlerOptions{ReplaceAttr: redactAttr})))(context.Background(), line)
	accessLineWriter(NewLogger(&byHand, slog.LevelInfo))(context.Background(), line)
	want := timeField.ReplaceAll(viaSlog.Bytes(), []byte(`"time":"T"`))
	got := timeField.ReplaceAll(byHand.Bytes(), []byte(`"time":"T"`))
	if !bytes.Equal(got, want) {
		t.Fatalf("by hand:\n%s\nslog:\n%s", got, want)
	}
	return byHand.Bytes()
}
