package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestTrustedClientIP(t *testing.T) {
	cases := []struct {
		name   string
		opts   ClientIPOptions
		xff    []string
		viewer string
		want   string
	}{
		{"local uses the peer", ClientIPOptions{}, []string{"6.6.6.6"}, "", "192.0.2.1"},
		{"alb: rightmost", ClientIPOptions{ProxyHops: 1}, []string{"6.6.6.6, 203.0.113.7"}, "", "203.0.113.7"},
		{"alb: repeated headers", ClientIPOptions{ProxyHops: 1}, []string{"6.6.6.6", "203.0.113.7"}, "", "203.0.113.7"},
		{"edge: second from right", ClientIPOptions{ProxyHops: 2}, []string{"6.6.6.6, 203.0.113.7, 130.176.0.1"}, "", "203.0.113.7"},
		{"edge: hops span repeated headers", ClientIPOptions{ProxyHops: 2}, []string{"6.6.6.6, 203.0.113.7", "130.176.0.1"}, "", "203.0.113.7"},
		{"edge: hops span three lines", ClientIPOptions{ProxyHops: 3}, []string{"203.0.113.7", "130.176.0.1", "10.0.0.9"}, "", "203.0.113.7"},
		{"alb: spaces and an empty rightmost entry", ClientIPOptions{ProxyHops: 1}, []string{"203.0.113.7 ,"}, "", "192.0.2.1"},
		{"edge: fewer entries than hops", ClientIPOptions{ProxyHops: 2}, []string{"203.0.113.7"}, "", "203.0.113.7"},
		{"edge: viewer address wins", ClientIPOptions{ProxyHops: 2, ViewerAddressHeader: "CloudFront-Viewer-Address"}, []string{"6.6.6.6, 130.176.0.1"}, "198.51.100.10:46532", "198.51.100.10"},
		{"edge: ipv6 viewer address", ClientIPOptions{ProxyHops: 2, ViewerAddressHeader: "CloudFront-Viewer-Address"}, nil, "2001:db8::1:443", "2001:db8::1"},
		{"garbage falls back to the peer", ClientIPOptions{ProxyHops: 1}, []string{"not-an-ip"}, "", "192.0.2.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			h := TrustedClientIPWith(tc.opts, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r.Context()) }))
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = "192.0.2.1:5555"
			for _, v := range tc.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			if tc.viewer != "" {
				req.Header.Set("CloudFront-Viewer-Address", tc.viewer)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got != tc.want {
				t.Fatalf("client IP = %q, want %q", got, tc.want)
			}
		})
	}
}
