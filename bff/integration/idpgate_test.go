package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/server"
)

// idpGate is an HTTP forward proxy between the BFF and the real
// oidc-provider, where an egress proxy or a WAF in front of an IdP sits. It
// counts every request that passes, and a test may answer a token request
// itself (a 429, a WAF page, invalid_client), hold it, or change what the
// IdP answered, the way a misbehaving IdP or something in front of it would.
type idpGate struct {
	url *url.URL

	mu   sync.Mutex
	hits map[string]int
	// onToken sees every token request; a nil answer forwards it, with
	// the headers as onToken left them.
	onToken func(*tokenRequest) *gateAnswer
	// rewrite, when set, may change a forwarded token response's JSON.
	rewrite func(*tokenRequest, map[string]any)
}

// tokenRequest is one POST to the IdP's token endpoint.
type tokenRequest struct {
	Form   url.Values
	Header http.Header
	// done ends when the BFF gives up on the request.
	done <-chan struct{}
}

// Refresh tells refresh grants from code exchanges.
func (r *tokenRequest) Refresh() bool { return r.Form.Get("grant_type") == "refresh_token" }

// gateAnswer is a response the gate sends instead of the IdP's.
type gateAnswer struct {
	Status int
	Header map[string]string
	Body   string
}

func startIdPGate(t *testing.T) *idpGate {
	t.Helper()
	g := &idpGate{hits: map[string]int{}}
	// A forward proxy's requests carry absolute URLs: send each where it names.
	forward := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.Out.Host = pr.In.Host }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.hits[r.URL.Path]++
		g.mu.Unlock()
		if r.Method == http.MethodPost && r.URL.Path == "/token" {
			g.token(w, r)
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	g.url, _ = url.Parse(srv.URL)
	return g
}

// token answers a token request: from the hook, or from the IdP, rewritten.
func (g *idpGate) token(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	hook, rewrite := g.onToken, g.rewrite
	g.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	req := &tokenRequest{Form: form, Header: r.Header.Clone(), done: r.Context().Done()}
	if hook != nil {
		if a := hook(req); a != nil {
			for k, v := range a.Header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(a.Status)
			_, _ = io.WriteString(w, a.Body)
			return
		}
	}
	out, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, r.URL.String(), bytes.NewReader(body))
	out.Header = req.Header
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if rewrite != nil && resp.StatusCode == http.StatusOK && json.Unmarshal(answer, &m) == nil {
		rewrite(req, m)
		answer, _ = json.Marshal(m)
	}
	for k, v := range resp.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// use makes an instance reach its IdP through the gate (bfftest.Options.Deps).
func (g *idpGate) use(d *server.Deps) {
	d.IdPClient = &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{Proxy: http.ProxyURL(g.url)},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (g *idpGate) setOnToken(f func(*tokenRequest) *gateAnswer) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.onToken = f
}

func (g *idpGate) setRewrite(f func(*tokenRequest, map[string]any)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rewrite = f
}

// count is how many requests for path reached the gate.
func (g *idpGate) count(path string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.hits[path]
}

// heldToken is a token request the gate holds until the test decides.
type heldToken struct {
	*tokenRequest
	decide chan *gateAnswer
}

// forward lets the request reach the IdP.
func (h *heldToken) forward() { h.decide <- nil }

// answer sends a instead of the IdP's answer.
func (h *heldToken) answer(a gateAnswer) { h.decide <- &a }

// holdRefreshes makes the gate hold every refresh grant and hand it to the
// test on the returned channel; code exchanges pass.
func (g *idpGate) holdRefreshes(t *testing.T) <-chan *heldToken {
	t.Helper()
	held := make(chan *heldToken, 16)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	g.setOnToken(func(r *tokenRequest) *gateAnswer {
		if !r.Refresh() {
			return nil
		}
		h := &heldToken{tokenRequest: r, decide: make(chan *gateAnswer, 1)}
		held <- h
		select {
		case a := <-h.decide:
			return a
		case <-r.done:
			return &gateAnswer{Status: http.StatusGatewayTimeout}
		case <-stop:
			return &gateAnswer{Status: http.StatusServiceUnavailable}
		}
	})
	return held
}

// next waits for the next held request, or returns nil after wait.
func next(held <-chan *heldToken, wait time.Duration) *heldToken {
	select {
	case h := <-held:
		return h
	case <-time.After(wait):
		return nil
	}
}

func oauthError(status int, code string) gateAnswer {
	return gateAnswer{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: `{"error":"` + code + `"}`}
}
