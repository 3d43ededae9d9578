package middleware

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	loggerKey
	clientCertKey
	clientIPKey
)

// RequestIDHeader echoes the request id to the caller.
const RequestIDHeader = "X-Request-Id"

// RequestID returns the request id stored by Logging, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// Logger returns the request-scoped logger stored by Logging, or fallback.
func Logger(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return fallback
}

// Logging assigns a request id (the X-Amzn-Trace-Id when present), stores a
// logger carrying it, and writes one access line per request. The line holds
// the path without its query (callbacks carry codes there) and no headers.
func Logging(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestIDFrom(r)
		reqLogger := logger.With("request_id", id)
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey, id), loggerKey, reqLogger)
		w.Header().Set(RequestIDHeader, id)
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))
		level := slog.LevelInfo
		if rec.status() >= 500 {
			level = slog.LevelWarn
		}
		reqLogger.LogAttrs(ctx, level, "request",
			slog.String("method", r.Method),
			slog.String("path", truncate(r.URL.Path, 256)),
			slog.Int("status", rec.status()),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("client_ip", ClientIP(r.Context())),
		)
	})
}

func requestIDFrom(r *http.Request) string {
	if trace := r.Header.Get("X-Amzn-Trace-Id"); trace != "" && len(trace) <= 128 && isTraceSafe(trace) {
		return trace
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
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

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}

// RedactingHandler blanks attributes whose names mark them as credentials, as
// a second line of defence: the BFF never passes token values to a logger.
type RedactingHandler struct {
	slog.Handler
}

var sensitiveKeys = []string{"token", "secret", "password", "cookie", "authorization", "verifier", "credential", "data_key"}

func redactAttr(groups []string, a slog.Attr) slog.Attr {
	k := strings.ToLower(a.Key)
	for _, s := range sensitiveKeys {
		if strings.Contains(k, s) {
			return slog.String(a.Key, "[redacted]")
		}
	}
	return a
}

// NewLogger returns a JSON logger at level with redaction of credential-named attributes.
func NewLogger(w interface{ Write([]byte) (int, error) }, level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr}))
}
