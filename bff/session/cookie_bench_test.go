package session_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/bff/session"
)

// BenchmarkCookieParse is the check Manager.Load runs before it touches the
// store: find the cookie among the browser's others, check the id's shape,
// and derive the store key.
func BenchmarkCookieParse(b *testing.B) {
	id, err := session.NewID()
	if err != nil {
		b.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, "/api/todos/items", nil)
	r.Header.Set("Cookie", "theme=dark; lang=en; __Host-gh_session="+id+"; _ga=GA1.1.1234567890.1700000000")
	const name = session.HostPrefix + "gh_session"
	b.ReportAllocs()
	for b.Loop() {
		c, err := r.Cookie(name)
		if err != nil || !session.ValidID(c.Value) {
			b.Fatal("cookie refused")
		}
		_ = session.Key(c.Value)
	}
}
