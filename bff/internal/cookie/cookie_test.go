package cookie

import (
	"net/http"
	"testing"
)

func TestValue(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers []string
		want    string
		found   bool
	}{
		{"only cookie", []string{"sid=abc"}, "abc", true},
		{"among others", []string{"theme=dark; sid=abc; lang=en"}, "abc", true},
		{"first of two", []string{"sid=one; sid=two"}, "one", true},
		{"second line", []string{"theme=dark", "sid=abc"}, "abc", true},
		{"quoted", []string{`sid="abc"`}, "abc", true},
		{"empty value", []string{"sid="}, "", true},
		{"invalid value skipped", []string{`sid=a\b; sid=ok`}, "ok", true},
		{"prefix is not a match", []string{"sidx=abc; xsid=abc"}, "", false},
		{"spaces around", []string{"  sid=abc  ;lang=en"}, "abc", true},
		{"absent", []string{"theme=dark"}, "", false},
		{"no header", nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, found := Value(http.Header{"Cookie": tc.headers}, "sid")
			if got != tc.want || found != tc.found {
				t.Fatalf("Value = %q, %v; want %q, %v", got, found, tc.want, tc.found)
			}
			assertSameAsNetHTTP(t, tc.headers, "sid")
		})
	}
}

// Value must agree with (*http.Request).Cookie on anything a client sends.
func FuzzValueMatchesNetHTTP(f *testing.F) {
	for _, seed := range []string{"sid=abc", "a=1; sid=\"q\"; sid=2", "sid=a b", "sid=\x7f; sid=ok", ";;sid=;"} {
		f.Add(seed, "sid")
	}
	f.Fuzz(func(t *testing.T, header, name string) {
		assertSameAsNetHTTP(t, []string{header}, name)
	})
}

func assertSameAsNetHTTP(t *testing.T, headers []string, name string) {
	t.Helper()
	r := &http.Request{Header: http.Header{"Cookie": headers}}
	want, err := r.Cookie(name)
	got, found := Value(r.Header, name)
	if (err == nil) != found || (err == nil && want.Value != got) {
		t.Fatalf("headers %q, name %q: Value = %q, %v; net/http = %v, %v", headers, name, got, found, want, err)
	}
}
