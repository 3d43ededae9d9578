package proxy

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxDecodings is how many times a segment is percent-decoded in search of
// an escape: once as every upstream decodes it, then again for the servers
// and frameworks that decode twice. A segment still encoded after that is
// refused.
const maxDecodings = 3

// splitAPIPath takes the escaped path /api/<name>/<rest> and returns name
// and the escaped /<rest>. A segment that any upstream could read as
// something other than plain text is refused (see safeSegment), so no path
// can leave its route.
func splitAPIPath(escaped string) (name, sub string, ok bool) {
	rest, found := strings.CutPrefix(escaped, "/api/")
	if !found {
		return "", "", false
	}
	for segs := rest; ; {
		seg, more, found := strings.Cut(segs, "/")
		if !safeSegment(seg) {
			return "", "", false
		}
		if !found {
			break
		}
		segs = more
	}
	name, sub, _ = strings.Cut(rest, "/")
	return name, "/" + sub, true
}

// safeSegment reports whether an escaped path segment means the same
// plain text to every upstream, however it decodes the path: at every
// decoding depth the segment must be plainSegment. The servers behind a
// route differ: Tomcat, Jetty and Spring cut a segment at ';' (so "..;"
// is ".."), IIS trims trailing dots and spaces, C libraries stop at NUL,
// some frameworks decode twice and some fold Unicode look-alikes into '.'
// and '/' (NFKC: U+2024 and U+FF0E are '.', U+FF0F is '/'). Refusing what they disagree on is
// the only check that holds for all of them.
func safeSegment(escaped string) bool {
	s := escaped
	for depth := 0; depth < maxDecodings; depth++ {
		dec, err := url.PathUnescape(s)
		if err != nil {
			// The first decoding is the upstream's own and must succeed;
			// after it, a stray '%' is literal text ("100% done").
			return depth > 0
		}
		if !plainSegment(dec) {
			return false
		}
		if dec == s {
			return true
		}
		s = dec
	}
	dec, err := url.PathUnescape(s)
	return err != nil || dec == s
}

// plainSegment reports whether a decoded segment is plain text: valid
// UTF-8, no separator ('/', '\'), no path parameter (';'), no NUL or other
// control byte, not made of dots and spaces only ("..", ".. ", "..."), and
// none of that either once Unicode compatibility forms are folded.
func plainSegment(dec string) bool {
	ascii := true
	for i := 0; i < len(dec); i++ {
		switch c := dec[i]; {
		case c < 0x20, c == 0x7f, c == '/', c == '\\', c == ';':
			return false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if strings.Contains(dec, ".") && strings.Trim(dec, ". ") == "" {
		return false
	}
	if ascii {
		return true
	}
	if !utf8.ValidString(dec) {
		// Overlong forms such as %c0%ae are '.' to some decoders.
		return false
	}
	folded := norm.NFKC.String(dec)
	return folded == dec || plainSegment(folded)
}

func sanitizeName(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, s)
}
