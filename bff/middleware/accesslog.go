package middleware

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// MetricsNamespace is the CloudWatch namespace of the request metrics.
const MetricsNamespace = "Gatehouse/BFF"

const maxLoggedPath = 256

// accessLine is what Logging records of one request.
type accessLine struct {
	start    time.Time
	elapsed  time.Duration
	id       string
	clientIP string
	method   string
	path     string
	status   int
	bytes    int64
}

func (a accessLine) level() slog.Level {
	if a.status >= 500 {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

func (a accessLine) millis() float64 { return float64(a.elapsed.Microseconds()) / 1000 }

// attrs are the line's fields in order. appendAccessLine writes the same
// fields by hand and must stay in step (TestAccessLineMatchesSlog).
func (a accessLine) attrs() []slog.Attr {
	ms := a.millis()
	return []slog.Attr{
		slog.String("request_id", a.id),
		slog.String("method", a.method),
		slog.String("path", truncate(a.path, maxLoggedPath)),
		slog.Int("status", a.status),
		slog.Int64("bytes", a.bytes),
		slog.Float64("duration_ms", ms),
		slog.String("client_ip", a.clientIP),
		// The same line is a CloudWatch Embedded Metric Format document,
		// so request metrics need no agent and no extra call.
		slog.String("Surface", surface(a.path)),
		slog.Float64("Latency", ms),
		slog.Int("Requests", 1),
		slog.Int("ClientErrors", boolInt(a.status >= 400 && a.status < 500)),
		slog.Int("ServerErrors", boolInt(a.status >= 500)),
		slog.Any("_aws", emfMetadata(a.start.UnixMilli())),
	}
}

// accessLineWriter returns how Logging records its lines. Every request
// writes one, and slog spends most of its time there on generic work (a
// redaction pass over fixed keys, floats through encoding/json, validating
// the constant EMF block), so for a logger from NewLogger the line is
// appended by hand, byte for byte what slog would write, straight to its
// writer. Any other logger goes through slog.
func accessLineWriter(logger *slog.Logger) func(context.Context, accessLine) {
	h, ok := logger.Handler().(*jsonHandler)
	if !ok {
		return func(ctx context.Context, a accessLine) {
			logger.LogAttrs(ctx, a.level(), "request", a.attrs()...)
		}
	}
	return func(ctx context.Context, a accessLine) {
		if !h.Enabled(ctx, a.level()) {
			return
		}
		buf := linePool.Get().(*[]byte)
		line := appendAccessLine((*buf)[:0], time.Now(), a)
		_, _ = h.out.Write(line)
		if cap(line) <= maxPooledLine {
			*buf = line[:0]
			linePool.Put(buf)
		}
	}
}

const maxPooledLine = 16 << 10

var linePool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1<<10)
	return &b
}}

func appendAccessLine(b []byte, now time.Time, a accessLine) []byte {
	ms := a.millis()
	b = append(b, `{"time":"`...)
	b = now.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"`...)
	b = append(b, a.level().String()...)
	b = append(b, `","msg":"request","request_id":`...)
	b = appendJSONString(b, a.id)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, a.method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, truncate(a.path, maxLoggedPath))
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(a.status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, a.bytes, 10)
	b = append(b, `,"duration_ms":`...)
	b = appendJSONFloat(b, ms)
	b = append(b, `,"client_ip":`...)
	b = appendJSONString(b, a.clientIP)
	b = append(b, `,"Surface":`...)
	b = appendJSONString(b, surface(a.path))
	b = append(b, `,"Latency":`...)
	b = appendJSONFloat(b, ms)
	b = append(b, `,"Requests":1,"ClientErrors":`...)
	b = strconv.AppendInt(b, int64(boolInt(a.status >= 400 && a.status < 500)), 10)
	b = append(b, `,"ServerErrors":`...)
	b = strconv.AppendInt(b, int64(boolInt(a.status >= 500)), 10)
	b = append(b, `,"_aws":`...)
	b = emfMetadata(a.start.UnixMilli()).appendJSON(b)
	return append(b, "}\n"...)
}

// emfMetadata is the "_aws" member of the access line. Only the timestamp
// changes, so the rest is rendered once.
type emfMetadata int64

var emfPrefix, emfSuffix = func() ([]byte, []byte) {
	directives, err := json.Marshal([]map[string]any{{
		"Namespace":  MetricsNamespace,
		"Dimensions": [][]string{{"Surface"}},
		"Metrics": []map[string]string{
			{"Name": "Latency", "Unit": "Milliseconds"}, {"Name": "Requests", "Unit": "Count"},
			{"Name": "ClientErrors", "Unit": "Count"}, {"Name": "ServerErrors", "Unit": "Count"},
		},
	}})
	if err != nil {
		panic(err)
	}
	return []byte(`{"Timestamp":`), append(append([]byte(`,"CloudWatchMetrics":`), directives...), '}')
}()

func (m emfMetadata) appendJSON(b []byte) []byte {
	b = append(b, emfPrefix...)
	b = strconv.AppendInt(b, int64(m), 10)
	return append(b, emfSuffix...)
}

func (m emfMetadata) MarshalJSON() ([]byte, error) {
	return m.appendJSON(make([]byte, 0, len(emfPrefix)+20+len(emfSuffix))), nil
}

// appendJSONFloat formats f as encoding/json does (and so slog): plain
// decimals, exponents only for very small or very large magnitudes.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-07 → e-7, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as slog's JSON handler does: no HTML escaping;
// control characters, invalid UTF-8 and the JavaScript line separators
// escaped, so a hostile path cannot break or forge a log line.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	flush := func(i int) { b = append(b, s[start:i]...) }
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			flush(i)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			flush(i)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			flush(i)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	flush(len(s))
	return append(b, '"')
}
