package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// The API call through the bare ReverseProxy and through the whole BFF,
// in process with an in-memory upstream, for profiling where the BFF's
// extra cost goes:
//
//	go test -run '^$' -bench Handler -benchmem -cpuprofile cpu.pprof -memprofile mem.pprof ./cmd/bench

func BenchmarkBareProxyHandler(b *testing.B) {
	up, _ := url.Parse("http://upstream.bench.example")
	h := &httputil.ReverseProxy{Transport: cannedUpstream{}, Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(up) }}
	benchHandler(b, h, "/hello", tokenSPAHeaders(benchTokens.AccessToken))
}

// BenchmarkBareProxyHandlerPooled shows what a BufferPool saves: without
// one, ReverseProxy allocates (and the GC clears) 32 KB for every response.
func BenchmarkBareProxyHandlerPooled(b *testing.B) {
	up, _ := url.Parse("http://upstream.bench.example")
	h := &httputil.ReverseProxy{Transport: cannedUpstream{}, BufferPool: &bufferPool{}, Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(up) }}
	benchHandler(b, h, "/hello", tokenSPAHeaders(benchTokens.AccessToken))
}

type bufferPool struct{ p sync.Pool }

func (bp *bufferPool) Get() []byte {
	if v, ok := bp.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (bp *bufferPool) Put(b []byte) { bp.p.Put(&b) }

func BenchmarkBFFHandler(b *testing.B) {
	store, err := newMemoryStore()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	app, cookie, _, err := buildBFF(context.Background(), store, "http://upstream.bench.example", cannedUpstream{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { app.Close() })
	benchHandler(b, app.Handler, "/api/greeting/hello", spaHeaders(cookie))
}

// benchHandler serves one request shape: an SPA without a BFF sends its
// token (tokenSPAHeaders), one behind the BFF its cookie (spaHeaders).
func benchHandler(b *testing.B, h http.Handler, path string, header http.Header) {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header = header
	r.RemoteAddr = "10.0.1.17:43122"
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		if err := serveOnce(h, w, r); err != nil {
			b.Fatal(err)
		}
	}
}
