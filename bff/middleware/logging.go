package middleware

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// RequestIDHeader echoes the request id to the caller.
const RequestIDHeader = "X-Request-Id"

// Logging assigns a request id (the X-Amzn-Trace-Id when present), makes it
// and the logger available to inner layers (see Logger), and writes one
// access line per request. The line holds the path without its query
// (callbacks carry codes there) and no headers.
func Logging(logger *slog.Logger, next http.Handler) http.Handler {
	write := accessLineWriter(logger)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r, ri := withInfo(r)
		ri.id, ri.logger = requestIDFrom(r), logger
		w.Header().Set(RequestIDHeader, ri.id)
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		write(r.Context(), accessLine{
			start: start, elapsed: time.Since(start), id: ri.id, clientIP: ri.clientIP,
			method: r.Method, path: r.URL.Path, status: rec.status(), bytes: rec.bytes,
		})
	})
}

// surface is a low-cardinality dimension: which part of the BFF answered.
func surface(path string) string {
	switch {
	case hasSegmentPrefix(path, "/api"):
		return "api"
	case hasSegmentPrefix(path, "/auth"):
		return "auth"
	case path == "/healthz" || path == "/readyz":
		return "health"
	}
	return "static"
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func requestIDFrom(r *http.Request) string {
	if trace := r.Header.Get("X-Amzn-Trace-Id"); trace != "" && len(trace) <= 128 && isTraceSafe(trace) {
		return trace
	}
	var raw [12]byte
	var text [24]byte
	_, _ = rand.Read(raw[:])
	hex.Encode(text[:], raw[:])
	return string(text[:])
}

func isTraceSafe(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("=;-_.", c)) {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

type statusRecorder struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Flush() {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

// Hijack hands the connection over for a protocol switch (a WebSocket
// tunnel), which the access line records as 101.
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err == nil && s.code == 0 {
		s.code = http.StatusSwitchingProtocols
	}
	return conn, brw, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}
