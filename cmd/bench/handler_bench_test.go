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
	benchHandler(b, h, "/hello", "")
}

// BenchmarkBareProxyHandlerPooled shows what a BufferPool saves: without
// one, ReverseProxy allocates (and the GC clears) 32 KB for every response.
func BenchmarkBareProxyHandlerPooled(b *testing.B) {
	up, _ := url.Parse("http://upstream.bench.example")
	h := &httputil.ReverseProxy{Transport: cannedUpstream{}, BufferPool: &bufferPool{}, Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(up) }}
	benchHandler(b, h, "/hello", "")
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
	benchHandler(b, app.Handler, "/api/greeting/hello", cookie)
}

func benchHandler(b *testing.B, h http.Handler, path, cookie string) {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header = spaHeaders(cookie)
	r.RemoteAddr = "10.0.1.17:43122"
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		if err := serveOnce(h, w, r); err != nil {
			b.Fatal(err)
		}
	}
}
