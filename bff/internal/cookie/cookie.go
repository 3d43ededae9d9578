// Package cookie reads one cookie from a request without parsing the rest.
package cookie

import (
	"net/http"
	"strings"
)

// Value returns the value of the first cookie called name, as
// (*http.Request).Cookie does, but without allocating: every API call reads
// the session cookie twice (rate limit, session lookup), and r.Cookie builds
// a *Cookie for each one it meets on the way.
func Value(h http.Header, name string) (string, bool) {
	lines := h["Cookie"]
	if name == "" || tooMany(lines) {
		return "", false
	}
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ";") {
			n, v, _ := strings.Cut(trim(part), "=")
			if trim(n) != name || !validName(name) {
				continue
			}
			if v, ok := parseValue(v); ok {
				return v, true
			}
		}
	}
	return "", false
}

// maxCookies is net/http's default limit (GODEBUG httpcookiemaxnum): a
// header with more cookies than this yields none at all.
const maxCookies = 3000

func tooMany(lines []string) bool {
	n := 0
	for _, line := range lines {
		n += strings.Count(line, ";") + 1
	}
	return n > maxCookies
}

func trim(s string) string { return strings.Trim(s, " \t\r\n") }

// parseValue accepts what net/http accepts: the RFC 6265 cookie-octets,
// optionally in double quotes, which are removed.
func parseValue(v string) (string, bool) {
	if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return "", false
		}
	}
	return v, true
}

func validName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		b := n[i]
		if b <= 0x20 || b >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", b) >= 0 {
			return false
		}
	}
	return true
}
