package middleware

import (
	"io"
	"log/slog"
	"sync"
)

// NewLogger returns a JSON logger at level with redaction of credential-named
// attributes. Logging writes its access lines through such a logger by hand
// (the same bytes, at a fraction of slog's cost), so prefer it to a logger
// built another way.
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	out := &lockedWriter{w: w}
	return slog.New(&jsonHandler{
		Handler: slog.NewJSONHandler(out, &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr}),
		out:     out,
	})
}

// jsonHandler marks a handler built by NewLogger, whose output Logging may
// write to directly. Loggers derived with With or WithGroup get the plain
// JSON handler back, so their extra attributes are never skipped.
type jsonHandler struct {
	slog.Handler
	out *lockedWriter
}

// lockedWriter serializes the JSON handler's lines and the access lines
// written beside it, so no two interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

var sensitiveKeys = []string{"token", "secret", "password", "cookie", "authorization", "verifier", "credential", "data_key"}

// redactAttr blanks attributes whose names mark them as credentials, as a
// second line of defence: the BFF never passes token values to a logger.
func redactAttr(groups []string, a slog.Attr) slog.Attr {
	if isSensitiveKey(a.Key) {
		return slog.String(a.Key, "[redacted]")
	}
	return a
}

// isSensitiveKey runs for every attribute of every line, so it compares
// in place instead of allocating a lowered copy of the key.
func isSensitiveKey(key string) bool {
	for _, s := range sensitiveKeys {
		if containsFold(key, s) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains lower, ignoring ASCII case; lower
// must be lower case.
func containsFold(s, lower string) bool {
	for i := 0; i+len(lower) <= len(s); i++ {
		j := 0
		for j < len(lower) && lowerASCII(s[i+j]) == lower[j] {
			j++
		}
		if j == len(lower) {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
