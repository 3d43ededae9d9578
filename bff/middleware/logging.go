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
		elapsed := float64(time.Since(start).Microseconds()) / 1000
		status := rec.status()
		reqLogger.LogAttrs(ctx, level, "request",
			slog.String("method", r.Method),
			slog.String("path", truncate(r.URL.Path, 256)),
			slog.Int("status", status),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("duration_ms", elapsed),
			slog.String("client_ip", ClientIP(r.Context())),
			// The same line is a CloudWatch Embedded Metric Format document,
			// so request metrics need no agent and no extra call.
			slog.String("Surface", surface(r.URL.Path)),
			slog.Float64("Latency", elapsed),
			slog.Int("Requests", 1),
			slog.Int("ClientErrors", boolInt(status >= 400 && status < 500)),
			slog.Int("ServerErrors", boolInt(status >= 500)),
			slog.Any("_aws", emfMetadata(start)),
		)
	})
}

// MetricsNamespace is the CloudWatch namespace of the request metrics.
const MetricsNamespace = "Gatehouse/BFF"

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfRoot struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

func emfMetadata(at time.Time) emfRoot {
	return emfRoot{Timestamp: at.UnixMilli(), CloudWatchMetrics: []emfDirective{{
		Namespace:  MetricsNamespace,
		Dimensions: [][]string{{"Surface"}},
		Metrics: []emfMetric{
			{Name: "Latency", Unit: "Milliseconds"}, {Name: "Requests", Unit: "Count"},
			{Name: "ClientErrors", Unit: "Count"}, {Name: "ServerErrors", Unit: "Count"},
		},
	}}}
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
